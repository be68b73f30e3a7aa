-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Host" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL DEFAULT 22,
    "username" TEXT NOT NULL DEFAULT 'root',
    "useSudo" BOOLEAN NOT NULL DEFAULT false,
    "useHelpers" BOOLEAN NOT NULL DEFAULT false,
    "helpersInstalled" TEXT,
    "confirmWindowSeconds" INTEGER NOT NULL DEFAULT 30,
    "confirmScope" TEXT NOT NULL DEFAULT 'network',
    "writeBootConfig" BOOLEAN NOT NULL DEFAULT true,
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
INSERT INTO "new_Host" ("address", "confirmScope", "confirmWindowSeconds", "createdAt", "helpersInstalled", "hostKeyFingerprint", "hostKeyType", "id", "labels", "lastCheckedAt", "lastContactAt", "name", "pinnedAt", "pinnedById", "port", "status", "statusMessage", "updatedAt", "useHelpers", "useSudo", "username") SELECT "address", "confirmScope", "confirmWindowSeconds", "createdAt", "helpersInstalled", "hostKeyFingerprint", "hostKeyType", "id", "labels", "lastCheckedAt", "lastContactAt", "name", "pinnedAt", "pinnedById", "port", "status", "statusMessage", "updatedAt", "useHelpers", "useSudo", "username" FROM "Host";
DROP TABLE "Host";
ALTER TABLE "new_Host" RENAME TO "Host";
CREATE UNIQUE INDEX "Host_name_key" ON "Host"("name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

