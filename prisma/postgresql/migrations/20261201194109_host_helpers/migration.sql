-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "helpersInstalled" TEXT,
ADD COLUMN     "useHelpers" BOOLEAN NOT NULL DEFAULT false;

