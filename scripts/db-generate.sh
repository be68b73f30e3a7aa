#!/usr/bin/env bash
# Generates both Prisma clients (SQLite and PostgreSQL). prisma.config.ts chooses the driver
# adapter from DATABASE_URL, and `prisma generate` refuses a schema whose provider differs
# from the adapter's, so each variant is generated with a matching (never contacted) URL.
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_HIDE_UPDATE_MESSAGE=1
npx --no-install tsx scripts/prisma-schemas.ts --check
DATABASE_URL="file:./data/.generate-only.db" npx --no-install prisma generate --schema prisma/sqlite/schema.prisma
DATABASE_URL="postgresql://generate-only@127.0.0.1:1/unused" npx --no-install prisma generate --schema prisma/postgresql/schema.prisma
