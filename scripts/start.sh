#!/usr/bin/env bash
# npm start: install if needed, generate the Prisma clients, build if sources changed,
# apply migrations, start the panel on http://localhost:${PORT:-3000}, and print the
# one-time setup link while no user exists.
#
# Configuration (environment): PORT (3000), DATABASE_URL (unset = ./data/switchboard.db;
# postgresql://... = shared PostgreSQL), SWITCHBOARD_SECRET (unset = 0600 file
# data/secret.key, or SWITCHBOARD_SECRET_FILE), SWITCHBOARD_PUBLIC_URL (base of the printed
# link), SWITCHBOARD_TRUST_PROXY=1 (behind a reverse proxy: take the client address from the
# X-Forwarded-For entry it appends; see scripts/client-address.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT="${PORT:-3000}"
# Everything the panel writes (database, its WAL, the secret key, logs) is its own business.
umask 077
export NEXT_TELEMETRY_DISABLED=1
export PRISMA_HIDE_UPDATE_MESSAGE=1
log() { printf '[start] %s\n' "$*"; }

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Switchboard needs Node.js >= 20.19, found "+process.version); process.exit(1); }'

# 1. Dependencies. npm keeps node_modules/.package-lock.json in step with what it installed;
#    a missing or older one means node_modules does not match package-lock.json.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing dependencies (npm install; better-sqlite3 compiles from source, 1-2 minutes)"
  # Not `npm ci`: npm 11.19 here leaves other platforms' optional packages out of the lock file
  # and then `npm ci` refuses it as out of sync (README, "Facts").
  npm install --no-audit --no-fund
fi

# 2. Prisma clients for both providers (fast; also checks the schema variants are current).
log "generating Prisma clients"
bash scripts/db-generate.sh >/dev/null 2>&1 || bash scripts/db-generate.sh

# 3. Build only when something that goes into the build is newer than the last build.
#    The generated Prisma clients are rewritten on every start, so they are judged by their
#    source (prisma/) instead.
needs_build() {
  [[ -f .next/BUILD_ID ]] || return 0
  [[ -n "$(find app components server prisma public next.config.ts postcss.config.mjs tsconfig.json package-lock.json \
      -newer .next/BUILD_ID -type f \
      -not -path 'server/db/generated/*' -not -name '*.test.ts' -print -quit 2>/dev/null)" ]]
}
if needs_build; then
  log "building"
  npx --no-install next build
else
  log "build is up to date"
fi

# 4. Migrations, before the server opens the database (on a WAL SQLite file, migrate deploy
#    fails while another connection is open).
log "applying database migrations"
# The database file exists with private modes before Prisma's migrate creates or opens it.
npx --no-install tsx -e 'import("./server/db/url.ts").then(async ({ resolveDatabaseTarget }) => { const t = resolveDatabaseTarget(); if (t.provider === "sqlite") { const { secureSqliteFiles } = await import("./server/db/file-modes.ts"); for (const c of secureSqliteFiles(t.filePath)) console.log("[start] made private: " + c); } })'
if ! migrate_output="$(npx --no-install prisma migrate deploy 2>&1)"; then
  printf '%s\n' "$migrate_output"
  log "migration failed; the panel was not started"
  exit 1
fi
# Prisma warns on every run that the schema's url line is unused with an adapter; the line is
# needed anyway (FINDINGS.md), so show only the outcome.
printf '%s\n' "$migrate_output" | grep -E 'applied|No pending|migrations? found' | sed 's/^/[start]   /' || true

# 5. SSH identity on first start; the setup link is issued now and printed once the server
#    answers.
setup_message="$(npx --no-install tsx scripts/prepare-start.ts)"

if ! node -e 'const s=require("net").createServer(); s.once("error",()=>process.exit(1)); s.listen(+process.argv[1],()=>s.close())' "$PORT"; then
  log "port ${PORT} is already in use (another panel?); stop it or set PORT"
  exit 1
fi
log "starting on http://localhost:${PORT}"
node scripts/serve.mjs &
server_pid=$!
trap 'kill -TERM "$server_pid" 2>/dev/null; wait "$server_pid"' INT TERM

if [[ -n "$setup_message" ]]; then
  for _ in $(seq 1 120); do
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "http://127.0.0.1:${PORT}/api/trpc/health"; then break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
  done
  # Only show the link if it is this server that answers (not, say, an old one on the port).
  if kill -0 "$server_pid" 2>/dev/null; then printf '%s\n' "$setup_message"; fi
fi

wait "$server_pid"
