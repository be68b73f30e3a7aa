-- AlterTable
ALTER TABLE "DraftOperation" ADD COLUMN "revertOfId" TEXT;

