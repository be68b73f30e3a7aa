-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "username" TEXT NOT NULL DEFAULT 'root',
    "useSudo" BOOLEAN NOT NULL DEFAULT false,
    "labels" TEXT NOT NULL DEFAULT '[]',
    "hostKeyFingerprint" TEXT NOT NULL,
    "hostKeyType" TEXT NOT NULL,
    "pinnedAt" DATETIME NOT NULL,
    "pinnedById" TEXT,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "statusMessage" TEXT,
    "lastContactAt" DATETIME,
    "lastCheckedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "HostEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT,
    "detail" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE INDEX "HostEvent_hostId_at_idx" ON "HostEvent"("hostId", "at");

-- CreateIndex
CREATE INDEX "HostEvent_at_idx" ON "HostEvent"("at");

