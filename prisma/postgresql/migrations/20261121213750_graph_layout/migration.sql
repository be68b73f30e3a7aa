-- CreateTable
CREATE TABLE "GraphLayout" (
    "userId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "positions" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GraphLayout_pkey" PRIMARY KEY ("userId","hostId")
);

