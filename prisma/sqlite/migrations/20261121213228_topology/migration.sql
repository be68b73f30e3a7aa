-- CreateTable
CREATE TABLE "TopologySnapshot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "topology" TEXT NOT NULL,
    "observedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ObservedChange" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "fromSnapshotId" TEXT NOT NULL,
    "toSnapshotId" TEXT NOT NULL,
    "changes" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "observedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acknowledgedAt" DATETIME
);

-- CreateTable
CREATE TABLE "CounterSample" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "hostId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "data" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "TopologySnapshot_hostId_observedAt_idx" ON "TopologySnapshot"("hostId", "observedAt");

-- CreateIndex
CREATE INDEX "ObservedChange_hostId_observedAt_idx" ON "ObservedChange"("hostId", "observedAt");

-- CreateIndex
CREATE INDEX "CounterSample_hostId_at_idx" ON "CounterSample"("hostId", "at");

