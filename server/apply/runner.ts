// The apply runner: a fixed POSIX sh script that runs on the host in one SSH exec. The plan
// travels on stdin as data (DESIGN.md rule 3); the command line never changes. It runs the
// commands in order, stops at the first failure, runs the inverses of what already ran in
// reverse order, and reports every event on stdout as it happens.
//
// Every event also goes to a journal on the host (/run/switchboard/<change id>.log), and the
// runner ignores SIGHUP and SIGPIPE: if the panel dies or the connection drops mid-apply, the
// runner still finishes (or rolls back) on its own, and the panel reads the journal later
// (recovery.ts). POSIX sh, not bash, because the sudoers rule a host grants us names /bin/sh.
import type { Argv, PlannedCommand } from '@/server/plan/render';
import { DOCUMENT_REF, optionProblem, OVS_VSCTL_TIMEOUT, SAFE_ARG } from '@/server/plan/render';

export const JOURNAL_DIR = '/run/switchboard';
export const PLAN_MAGIC = 'SWITCHBOARD-PLAN 1';

/**
 * Input lines: `SWITCHBOARD-PLAN 1 <change id>`, then per command `do <step> <cmd> argv...`
 * followed by its inverse lines `undo <step> <cmd> argv...` and its documents
 * `doc <step> <cmd> <n> <base64>`, then `end`. An argument `@docN` in a command or an inverse of
 * that command names its document N: the runner writes it to a private file first and passes the
 * file's path, so an XML or config document never appears on a command line.
 * Output lines (all prefixed `SB `): begin, run, out, done, undo-run, undo-done, end, busy, error,
 * and `batch N S C` before N commands that run in one `ip -batch`, the last of them command C of
 * step S (their run events come as ip's result is read).
 * Durations come from /proc/uptime (centiseconds) so timing costs no fork per command.
 */
export const RUNNER_SCRIPT = `
set -u
trap '' HUP PIPE
LC_ALL=C
export LC_ALL
PATH=/usr/sbin:/usr/bin:/sbin:/bin
umask 077
dir=${JOURNAL_DIR}
IFS=' ' read -r magic version id window announce || { echo "SB error no-input"; exit 64; }
[ "$magic $version" = "${PLAN_MAGIC}" ] || { echo "SB error bad-header"; exit 64; }
case $id in ''|*[!A-Za-z0-9]*) echo "SB error bad-change-id"; exit 64;; esac
# Seconds to wait for the panel's confirmation after the last step (0: none).
window=\${window:-0}
case $window in *[!0-9]*|????*) echo "SB error bad-confirm-window"; exit 64;; esac
# "announce": the plan may cut the panel off (review marked it disruptive), see announce_last.
announce=\${announce:-}
case $announce in ''|announce) ;; *) echo "SB error bad-header"; exit 64;; esac
mkdir -p "$dir" || { echo "SB error no-journal-dir"; exit 70; }
plan=$dir/$id.plan
journal=$dir/$id.log
ran=$dir/$id.ran
if [ -e "$journal" ]; then echo "SB error change-already-ran"; exit 64; fi
find "$dir" -maxdepth 1 \\( -name '*.log' -o -name '*.confirmed' -o -name '*.expired' \\) -mtime +7 -exec rm -f {} + 2>/dev/null
# One apply per host at a time, even from panels that do not share a database.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$dir/apply.lock"
  flock -n 9 || { echo "SB busy"; exit 75; }
fi
cat > "$plan" || { echo "SB error no-plan"; exit 70; }
if [ "$(tail -n 1 "$plan")" != end ]; then echo "SB error truncated-plan"; rm -f "$plan"; exit 64; fi
# Each document to its own private file (umask 077) before anything runs.
grep '^doc ' "$plan" > "$dir/$id.docs"
while read -r _ s c k b; do
  case "$s.$c.$k" in *[!0-9.]*|.*|*..*|*.) echo "SB error bad-document"; rm -f "$plan" "$dir/$id".d.* "$dir/$id.docs"; exit 64;; esac
  printf '%s\\n' "$b" | base64 -d > "$dir/$id.d.$s.$c.$k" 2>/dev/null || { echo "SB error bad-document"; rm -f "$plan" "$dir/$id".d.* "$dir/$id.docs"; exit 64; }
done < "$dir/$id.docs"
exec 8>"$journal"
: > "$ran"
emit() { printf '%s\\n' "$*" >&8; printf '%s\\n' "$*" 2>/dev/null; }
# Centiseconds since boot, without a fork ("1" keeps a fraction like 07 from reading as octal).
now() { read -r up _ < /proc/uptime; t=$(( \${up%.*} * 100 + 1\${up#*.} - 100 )); }
set -f
# Writes a boot-configuration file Switchboard keeps, atomically, readable by all (as
# /etc/sysctl.d and ifupdown expect); only the names below, never a path with "..".
owned_file() {
  case $1 in */../*|*/..) return 1;; esac
  case $1 in /etc/sysctl.d/99-switchboard-*.conf|/etc/network/interfaces|/etc/network/interfaces.d/switchboard) return 0;; esac
  # The tc and NAT rules kept for boot, and the unit that loads them (plan/boot/restore-unit.ts).
  case $1 in /etc/switchboard/nat.nft|/etc/switchboard/forward.rules|/etc/switchboard/libvirt-accepts.nft|/etc/switchboard/tc.batch|/etc/systemd/system/switchboard-restore.service|/etc/systemd/system/multi-user.target.d/switchboard-restore.conf) return 0;; esac
  # systemd-networkd's units and netplan's YAML, directly in their directories.
  case $1 in /etc/systemd/network/*/*|/etc/netplan/*/*) return 1;; esac
  case $1 in /etc/systemd/network/?*.network|/etc/systemd/network/?*.netdev|/etc/netplan/?*.yaml|/etc/netplan/?*.yml) return 0;; esac
  return 1
}
write_file() {
  owned_file "$1" || { echo "refused: file $1"; return 126; }
  case $2 in "$dir/$id".d.*) ;; *) echo "refused: sb-write-file writes a document of the plan"; return 126;; esac
  # netplan warns about YAML others can read (it may hold Wi-Fi secrets); the rest is read by all.
  case $1 in /etc/netplan/*) mode=600;; *) mode=644;; esac
  mkdir -p "\${1%/*}" && cat "$2" > "$1.sb-new" && chmod "$mode" "$1.sb-new" && mv -f "$1.sb-new" "$1"
}
remove_file() {
  owned_file "$1" || { echo "refused: file $1"; return 126; }
  rm -f "$1"
}
# Deletes the accept a plan document inserted into libvirt's nft chain ("insert rule ip
# libvirt_network guest_input RULE"), found by its exact text: nft deletes a rule only by its
# handle, which is not known before the insert runs.
delete_nft_rule() {
  case $1 in "$dir/$id".d.*) ;; *) echo "refused: sb-delete-nft-rule reads a document of the plan"; return 126;; esac
  IFS=' ' read -r verb what family table chain rule < "$1"
  [ "$verb $what $family $table $chain" = 'insert rule ip libvirt_network guest_input' ] || { echo "refused: sb-delete-nft-rule deletes only an accept in ip libvirt_network guest_input"; return 126; }
  listing=$(nft -a list chain ip libvirt_network guest_input 2>&1) || { printf '%s\n' "$listing"; return 1; }
  handle=$(printf '%s\n' "$listing" | SB_RULE="$rule" awk '{ l = $0; sub(/^[ \t]+/, "", l); p = index(l, " # handle "); if (p && substr(l, 1, p - 1) == ENVIRON["SB_RULE"]) { print substr(l, p + 10); exit } }')
  [ -n "$handle" ] || { echo "ip libvirt_network guest_input has no rule $rule"; return 1; }
  nft delete rule ip libvirt_network guest_input handle "$handle"
}
# Runs the argv of a plan line (after its first three words). Refuses any program but ip,
# bridge, tc, virsh, sysctl, iptables, ovs-vsctl, nft (with a document) and the three built-ins, and arguments outside the safe set: the
# same rule as plan/commands.ts, checked again here. @docN becomes the path of that command's document N.
# A word that starts with "-" and holds "=" or "," (an option and its value in one word) is
# refused but for ovs-vsctl's timeout, so allowing "=" and "," gives no program a new option.
run_line() {
  set -- $1
  s=$2; c=$3; prog=\${4:-}
  shift 3
  n=$#
  while [ "$n" -gt 0 ]; do
    a=$1
    shift
    case $a in
      @doc[1-9]|@doc[1-9][0-9])
        a=$dir/$id.d.$s.$c.\${a#@doc}
        [ -f "$a" ] || { echo "refused: no document \${a##*.} for this command"; return 126; };;
      ''|*[!A-Za-z0-9_.:/=,-]*) echo "refused: unsafe argument"; return 126;;
      -*[=,]*) [ "$prog $a" = "ovs-vsctl ${OVS_VSCTL_TIMEOUT}" ] || { echo "refused: unsafe argument"; return 126; };;
    esac
    set -- "$@" "$a"
    n=$((n - 1))
  done
  case $1 in
    ip|bridge|tc|virsh|sysctl|iptables) ;;
    # ovs-vsctl: its timeout first, then commands separated by "--"; none of its other options
    # (--log-file=, --bootstrap-ca-cert= write files; a command's own options are not used).
    ovs-vsctl) [ $# -gt 2 ] && [ "$2" = ${OVS_VSCTL_TIMEOUT} ] || { echo "refused: ovs-vsctl takes ${OVS_VSCTL_TIMEOUT} and a command"; return 126; }
      k=0
      for a in "$@"; do
        k=$((k + 1))
        [ "$k" -gt 2 ] || continue
        case $a in --) ;; -*) echo "refused: ovs-vsctl option $a"; return 126;; esac
      done;;
    # nft only reads a rule set from a document (Switchboard's own table, plan/nat.ts).
    nft) [ $# -eq 3 ] && [ "$2" = -f ] || { echo "refused: nft takes -f and a document"; return 126; }
      case $3 in "$dir"/*) ;; *) echo "refused: nft reads only its document"; return 126;; esac;;
    sb-write-file) [ $# -eq 3 ] || { echo "refused: sb-write-file takes a path and a document"; return 126; }; write_file "$2" "$3" 2>&1; return;;
    sb-remove-file) [ $# -eq 2 ] || { echo "refused: sb-remove-file takes a path"; return 126; }; remove_file "$2" 2>&1; return;;
    sb-delete-nft-rule) [ $# -eq 2 ] || { echo "refused: sb-delete-nft-rule takes a document"; return 126; }; delete_nft_rule "$2" 2>&1; return;;
    *) echo "refused: program $1"; return 126;;
  esac
  "$@" 2>&1 < /dev/null
}
# Runs one plan line and sets rc, out and ms (its duration in milliseconds).
run_timed() {
  now; t0=$t
  out=$(run_line "$1")
  rc=$?
  now; ms=$(( (t - t0) * 10 ))
}
report_output() {
  [ -n "$3" ] || return 0
  printf '%s\\n' "$3" | tail -n 20 | while IFS= read -r l; do emit "SB out $1 $2 $l"; done
}
# Consecutive ip commands run as one \`ip -batch\`: one process instead of one per command, the
# cost that dominates a large change. ip stops at the first command that fails; to know exactly
# which ran (it may also exit on an argument it cannot parse, without saying which line), each
# command is followed by \`link show dev lo\`, whose one line of output (-o) marks it done.
# Only plain objects (no option before them; netns and vrf run other programs), every argument
# in the safe set, no document.
batch=$dir/$id.batch
queued=
batchable() {
  [ "$4" = ip ] || return 1
  case $5 in link|address|addr|route|rule|neigh|neighbor|neighbour|nexthop) ;; *) return 1;; esac
  shift 4
  for a in "$@"; do
    case $a in ''|*[!A-Za-z0-9_.:/=,-]*|@doc*|-*) return 1;; esac
  done
}
# ip before 5.0 keeps a device's index by name for the whole batch: after a delete, a rename or
# a move to another namespace, the next command starts a new ip.
ends_batch() {
  [ "$5" = link ] || return 1
  case $6 in del|delete) return 0;; set) ;; *) return 1;; esac
  for a in "$@"; do case $a in name|netns) return 0;; esac; done
  return 1
}
# The panel records the host's wait for its confirmation as the plan's last command starts
# (progress.ts): in a plan that may cut the panel off, that command may, so the line that
# announces it is given a moment to leave before it runs (only when the host is to wait; the
# wait starts early, never late). Other plans do not spend the moment on every apply.
last_do=$(grep '^do ' "$plan" | tail -n 1 | { read -r _ s c _; echo "$s.$c"; })
announce_last() {
  [ "$window" -gt 0 ] && [ -n "$announce" ] && [ "$1" = "$last_do" ] || return 0
  sleep 0.2 2>/dev/null || sleep 1
}
# Runs the queued commands; sets failed when one fails. Events keep their order per command (run,
# out, done): the first command's run before ip starts, the others' as ip's result is read. Those
# that share one ip process share its duration: each is given an equal part.
run_batch() {
  [ -n "$queued" ] || return 0
  set -- $queued
  eval "last=\\\${$#}"
  emit "SB batch $# \${last%.*} \${last#*.}"
  emit "SB run \${1%.*} \${1#*.}"
  announce_last "$last"
  now; t0=$t
  out=$(ip -o -batch "$batch" 2>&1 < /dev/null)
  rc=$?
  now
  set -- $queued
  each=$(( (t - t0) * 10 / $# ))
  marks=$(printf '%s\\n' "$out" | grep -c '^[0-9]*: lo: ')
  out=$(printf '%s\\n' "$out" | grep -v -e '^[0-9]*: lo: ' -e "^Command failed $batch:")
  # ip that fails without a failed command (it never should) fails the last one, which ran.
  [ "$rc" -eq 0 ] && marks=$#
  last_ran=
  if [ "$rc" -ne 0 ] && [ "$marks" -ge $# ]; then marks=$(($# - 1)); last_ran=1; fi
  k=0
  for q in $queued; do
    k=$((k + 1)); s=\${q%.*}; c=\${q#*.}
    [ "$k" -eq 1 ] || emit "SB run $s $c"
    if [ "$k" -le "$marks" ]; then
      [ "$k" -lt $# ] || report_output "$s" "$c" "$out"
      emit "SB done $s $c 0 $each"
      echo "$s $c" >> "$ran"
    else
      report_output "$s" "$c" "$out"
      emit "SB done $s $c $rc $each"
      [ -z "$last_ran" ] || echo "$s $c" >> "$ran"
      failed=1
      break
    fi
  done
  queued=
  : > "$batch"
  [ -z "$failed" ]
}
emit "SB begin $id $(grep -c '^do ' "$plan")"
failed=
: > "$batch"
while IFS= read -r line; do
  case $line in "do "*) ;; *) continue;; esac
  set -- $line
  if batchable "$@"; then
    queued="$queued $2.$3"
    shift 4
    printf '%s\\nlink show dev lo\\n' "$*" >> "$batch"
    if ends_batch x x x ip "$@"; then run_batch || break; fi
    continue
  fi
  run_batch || break
  set -- $line
  s=$2; c=$3
  emit "SB run $s $c"
  announce_last "$s.$c"
  run_timed "$line"
  report_output "$s" "$c" "$out"
  emit "SB done $s $c $rc $ms"
  if [ "$rc" -ne 0 ]; then failed=1; break; fi
  echo "$s $c" >> "$ran"
done < "$plan"
[ -n "$failed" ] || run_batch
# Confirmed apply: the plan ran; now the panel must prove, over a new connection, that it still
# reaches the host (journal helper, "confirm"). Without that proof in time, the host undoes the
# whole change itself: also when the panel died or this connection is gone. Exactly one of the
# two renames of the .waiting file succeeds, so a confirmation at the deadline cannot race.
if [ -z "$failed" ] && [ "$window" -gt 0 ]; then
  echo "$$" > "$dir/$id.waiting"
  emit "SB await-confirm $window"
  now; deadline=$((t + window * 100)); looks=0
  while [ ! -e "$dir/$id.confirmed" ]; do
    now
    if [ "$t" -ge "$deadline" ]; then
      mv "$dir/$id.waiting" "$dir/$id.expired" 2>/dev/null && failed=rolled-back-by-host
      break
    fi
    # A confirmation usually comes within a second (one SSH handshake), and the panel's "applied"
    # waits for this loop to see it: look every 50 ms for the first two seconds, then every 0.2 s.
    looks=$((looks + 1))
    if [ "$looks" -le 40 ]; then sleep 0.05 2>/dev/null || sleep 1; else sleep 0.2 2>/dev/null || sleep 1; fi
  done
  if [ -n "$failed" ]; then emit "SB unconfirmed $window"; else emit "SB confirmed"; fi
elif [ -n "$failed" ]; then
  failed=rolled-back
fi
result=applied
if [ -n "$failed" ]; then
  result=$failed
  # Newest first: undo exactly what ran, in reverse order.
  sed '1!G;h;$!d' "$ran" > "$dir/$id.rev"
  while read -r s c; do
    grep "^undo $s $c " "$plan" > "$dir/$id.undo"
    n=0
    while IFS= read -r line; do
      n=$((n + 1))
      emit "SB undo-run $s $c $n"
      run_timed "$line"
      report_output "$s" "$c" "$out"
      emit "SB undo-done $s $c $n $rc $ms"
      [ "$rc" -eq 0 ] || result=rollback-incomplete
    done < "$dir/$id.undo"
  done < "$dir/$id.rev"
fi
emit "SB end $result"
set +f
rm -f "$plan" "$ran" "$batch" "$dir/$id.rev" "$dir/$id.undo" "$dir/$id.docs" "$dir/$id".d.*
[ "$result" = applied ]
`;

/** Fixed argv of the apply exec: the script is a constant, the plan comes on stdin. */
export const RUNNER_COMMAND = ['sh', '-c', RUNNER_SCRIPT, 'switchboard-apply'] as const;

/**
 * The journal helper: prints one change's journal (recovery), or with "confirm" proves the
 * panel still reaches the host: it takes the runner's .waiting file (one rename, so it cannot
 * race the runner's own deadline) and says whether the confirmation came in time.
 */
export const JOURNAL_SCRIPT = `dir=${JOURNAL_DIR}
case "\${1:-}" in ''|*[!A-Za-z0-9]*) echo "SB missing"; exit 0;; esac
if [ "\${2:-}" = confirm ]; then
  if mv "$dir/$1.waiting" "$dir/$1.confirmed" 2>/dev/null || [ -e "$dir/$1.confirmed" ]; then echo "SB confirm-ok"
  elif [ -e "$dir/$1.expired" ]; then echo "SB confirm-late"
  else echo "SB confirm-none"; fi
  exit 0
fi
cat "$dir/$1.log" 2>/dev/null || echo "SB missing"
`;

/** Reads a journal a runner left behind (recovery), or confirms a change; the id is checked, never free text. */
export function journalCommand(changeId: string, confirm = false): string[] {
  if (!/^[A-Za-z0-9]+$/.test(changeId)) throw new Error(`bad change id ${changeId}`);
  return ['sh', '-c', JOURNAL_SCRIPT, 'switchboard-journal', changeId, ...(confirm ? ['confirm'] : [])];
}

export interface RunnerStep {
  commands: PlannedCommand[];
}

/**
 * The runner's stdin for a plan. Throws if a value would not survive the runner's own check.
 * `announceLast`: the plan may cut the panel off (a disruptive step), so with a confirmation
 * window the runner pauses before the last command to let its announcement reach the panel.
 */
export function encodeRunnerInput(changeId: string, steps: readonly RunnerStep[], confirmWindowSeconds = 0, { announceLast = true }: { announceLast?: boolean } = {}): string {
  if (!/^[A-Za-z0-9]+$/.test(changeId)) throw new Error(`bad change id ${changeId}`);
  if (!Number.isInteger(confirmWindowSeconds) || confirmWindowSeconds < 0 || confirmWindowSeconds > 999) throw new Error(`bad confirmation window ${confirmWindowSeconds}`);
  const line = (verb: string, s: number, c: number, argv: Argv, documents: number) => {
    for (const a of argv) {
      const ref = DOCUMENT_REF.exec(a);
      if (ref ? Number(ref[1]) > documents : !SAFE_ARG.test(a)) throw new Error(`unsafe argument ${JSON.stringify(a)}`);
    }
    const option = optionProblem(argv);
    if (option) throw new Error(`unsafe argument: ${option}`);
    return `${verb} ${s} ${c} ${argv.join(' ')}`;
  };
  const lines = [`${PLAN_MAGIC} ${changeId}${confirmWindowSeconds ? ` ${confirmWindowSeconds}${announceLast ? ' announce' : ''}` : ''}`];
  steps.forEach((step, s) =>
    step.commands.forEach((command, c) => {
      const documents = command.documents ?? [];
      lines.push(line('do', s, c, command.argv, documents.length));
      for (const inv of command.inverse) lines.push(line('undo', s, c, inv, documents.length));
      documents.forEach((d, k) => lines.push(`doc ${s} ${c} ${k + 1} ${Buffer.from(d.text, 'utf8').toString('base64')}`));
    }),
  );
  lines.push('end');
  return lines.join('\n') + '\n';
}

export type RunnerEvent =
  | { type: 'begin'; commands: number }
  /** The next `commands` run in one ip process, the last of them command `command` of step `step`. */
  | { type: 'batch'; commands: number; step: number; command: number }
  | { type: 'run'; step: number; command: number }
  | { type: 'out'; step: number; command: number; text: string }
  | { type: 'done'; step: number; command: number; exitCode: number; ms: number }
  | { type: 'undo-run'; step: number; command: number; inverse: number }
  | { type: 'undo-done'; step: number; command: number; inverse: number; exitCode: number; ms: number }
  | { type: 'await-confirm'; windowSeconds: number }
  | { type: 'confirmed' }
  | { type: 'unconfirmed'; windowSeconds: number }
  | { type: 'end'; result: 'applied' | 'rolled-back' | 'rolled-back-by-host' | 'rollback-incomplete' }
  | { type: 'busy' }
  | { type: 'missing' }
  | { type: 'error'; reason: string };

const int = (s: string | undefined) => Number.parseInt(s ?? '', 10);
const ints = (...xs: number[]) => xs.every(Number.isInteger);

/** One output line -> event; lines that are not the runner's (a shell warning) give null. */
export function parseRunnerLine(line: string): RunnerEvent | null {
  if (!line.startsWith('SB ')) return null;
  const [, type, a, b, c, d, e] = line.split(' ');
  switch (type) {
    case 'begin':
      return { type, commands: int(b) };
    case 'batch':
      return ints(int(a), int(b), int(c)) ? { type, commands: int(a), step: int(b), command: int(c) } : null;
    case 'run':
      return ints(int(a), int(b)) ? { type, step: int(a), command: int(b) } : null;
    case 'out': {
      const prefix = `SB out ${a} ${b} `;
      return { type, step: int(a), command: int(b), text: line.startsWith(prefix) ? line.slice(prefix.length) : '' };
    }
    // A line cut short (a journal read while the runner writes) has missing numbers: not an event.
    case 'done':
      return ints(int(a), int(b), int(c), int(d)) ? { type, step: int(a), command: int(b), exitCode: int(c), ms: int(d) } : null;
    case 'undo-run':
      return ints(int(a), int(b), int(c)) ? { type, step: int(a), command: int(b), inverse: int(c) } : null;
    case 'undo-done':
      return ints(int(a), int(b), int(c), int(d), int(e)) ? { type, step: int(a), command: int(b), inverse: int(c), exitCode: int(d), ms: int(e) } : null;
    case 'await-confirm':
    case 'unconfirmed':
      return ints(int(a)) ? { type, windowSeconds: int(a) } : null;
    case 'confirmed':
      return { type };
    case 'end':
      return a === 'applied' || a === 'rolled-back' || a === 'rolled-back-by-host' || a === 'rollback-incomplete' ? { type, result: a } : null;
    case 'busy':
    case 'missing':
      return { type };
    case 'error':
      return { type, reason: a ?? 'unknown' };
    default:
      return null;
  }
}

/** Splits streamed output into complete lines (a chunk may end mid-line). */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: string): void; flush(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    },
    flush() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}
