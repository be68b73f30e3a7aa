#!/usr/bin/env bash
# The integration tier (vitest.config.ts has the three projects and why):
#   the real-kernel files (int-kv) run beside the namespace-host files (int), so the software
#   emulation of kv1 takes one core while the other tests use the other; then the lab's own tests
#   (int-lab), which take the whole lab down. The real-kernel lines are prefixed "[kv1]".
# Extra arguments go to every vitest run (for example a reporter).
set -uo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# A file filter in "$@" may name files of one project only: the others then have nothing to run.
# Its own process group (job control on for this one job), so a stop or a cancel of this script
# stops the whole real-kernel run beside it too.
set -m
( npx vitest run --project int-kv --passWithNoTests "$@" 2>&1 | sed -u 's/^/[kv1] /'; exit "${PIPESTATUS[0]}" ) &
kv_pid=$!
set +m
trap 'kill -TERM -- "-$kv_pid" 2>/dev/null; exit 130' INT TERM
npx vitest run --project int --passWithNoTests "$@"
namespace_rc=$?
echo "==> int (namespace hosts, databases) finished after $((SECONDS - started)) s with status $namespace_rc"
wait "$kv_pid"
kv_rc=$?
echo "==> int-kv (real-kernel host kv1) finished after $((SECONDS - started)) s with status $kv_rc"
npx vitest run --project int-lab --passWithNoTests "$@"
lab_rc=$?
echo "==> int-lab (the lab itself) finished after $((SECONDS - started)) s with status $lab_rc"
[ "$namespace_rc" = 0 ] && [ "$kv_rc" = 0 ] && [ "$lab_rc" = 0 ]
