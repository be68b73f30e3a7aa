-- AlterTable
ALTER TABLE "AuditRecord" ADD COLUMN     "format" INTEGER NOT NULL DEFAULT 1;

