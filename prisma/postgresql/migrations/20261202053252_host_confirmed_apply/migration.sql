-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "confirmScope" TEXT NOT NULL DEFAULT 'network',
ADD COLUMN     "confirmWindowSeconds" INTEGER NOT NULL DEFAULT 30;

