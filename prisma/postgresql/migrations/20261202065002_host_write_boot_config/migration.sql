-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "writeBootConfig" BOOLEAN NOT NULL DEFAULT true;

