-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_AuditRecord" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "format" INTEGER NOT NULL DEFAULT 1,
    "changeId" TEXT,
    "hostId" TEXT,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT,
    "content" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);
INSERT INTO "new_AuditRecord" ("actorId", "actorName", "at", "changeId", "content", "hash", "hostId", "kind", "prevHash", "seq") SELECT "actorId", "actorName", "at", "changeId", "content", "hash", "hostId", "kind", "prevHash", "seq" FROM "AuditRecord";
DROP TABLE "AuditRecord";
ALTER TABLE "new_AuditRecord" RENAME TO "AuditRecord";
CREATE INDEX "AuditRecord_changeId_seq_idx" ON "AuditRecord"("changeId", "seq");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

