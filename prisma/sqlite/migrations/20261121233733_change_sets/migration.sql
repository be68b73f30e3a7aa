-- CreateTable
CREATE TABLE "DraftOperation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "operation" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ChangeSet" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "authorName" TEXT NOT NULL,
    "reason" TEXT,
    "draftIds" TEXT NOT NULL,
    "operations" TEXT NOT NULL,
    "plan" TEXT NOT NULL,
    "baseHash" TEXT NOT NULL,
    "disruptive" BOOLEAN NOT NULL DEFAULT false,
    "revertOfId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "AuditRecord" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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

-- CreateTable
CREATE TABLE "HostLock" (
    "hostId" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "changeId" TEXT,
    "acquiredAt" DATETIME NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "DraftOperation_hostId_position_idx" ON "DraftOperation"("hostId", "position");

-- CreateIndex
CREATE INDEX "ChangeSet_hostId_createdAt_idx" ON "ChangeSet"("hostId", "createdAt");

-- CreateIndex
CREATE INDEX "ChangeSet_status_idx" ON "ChangeSet"("status");

-- CreateIndex
CREATE INDEX "ChangeSet_createdAt_idx" ON "ChangeSet"("createdAt");

-- CreateIndex
CREATE INDEX "AuditRecord_changeId_seq_idx" ON "AuditRecord"("changeId", "seq");

