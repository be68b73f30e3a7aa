-- CreateTable
CREATE TABLE "PanelIdentity" (
    "id" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "sealedPrivateKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PanelIdentity_pkey" PRIMARY KEY ("id")
);

