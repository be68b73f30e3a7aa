-- CreateTable
CREATE TABLE "Host" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "username" TEXT NOT NULL DEFAULT 'root',
    "useSudo" BOOLEAN NOT NULL DEFAULT false,
    "labels" TEXT NOT NULL DEFAULT '[]',
    "hostKeyFingerprint" TEXT NOT NULL,
    "hostKeyType" TEXT NOT NULL,
    "pinnedAt" TIMESTAMP(3) NOT NULL,
    "pinnedById" TEXT,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "statusMessage" TEXT,
    "lastContactAt" TIMESTAMP(3),
    "lastCheckedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Host_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HostEvent" (
    "id" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "actorId" TEXT,
    "actorName" TEXT,
    "detail" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "HostEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");

-- CreateIndex
CREATE INDEX "HostEvent_hostId_at_idx" ON "HostEvent"("hostId", "at");

-- CreateIndex
CREATE INDEX "HostEvent_at_idx" ON "HostEvent"("at");

