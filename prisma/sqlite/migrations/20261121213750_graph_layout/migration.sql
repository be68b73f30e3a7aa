-- CreateTable
CREATE TABLE "GraphLayout" (
    "userId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "positions" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("userId", "hostId")
);

