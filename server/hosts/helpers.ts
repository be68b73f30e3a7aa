// Least-privilege mode: instead of letting the panel's account run `sh` as root (which is root
// for anything), the panel installs its three fixed programs as root-owned files and the
// account may run only those through sudo:
//
//   /usr/local/lib/switchboard/probe    the read-only probe (PROBE_SCRIPT)
//   /usr/local/lib/switchboard/apply    the runner (RUNNER_SCRIPT; the plan arrives on stdin)
//   /usr/local/lib/switchboard/journal  prints one change's journal (recovery), or confirms an apply
//
// Before each use the panel's fixed gate checks the file's sha256 on the host and refuses to
// run a copy that is not byte for byte the one this panel version ships. Pure: contents,
// hashes, commands; the installation itself runs in hosts.ts.
import { createHash } from 'node:crypto';
import { journalCommand, JOURNAL_SCRIPT, RUNNER_COMMAND, RUNNER_SCRIPT } from '@/server/apply/runner';
import { AppError } from '@/server/errors';
import type { ExecResult, SshHost } from '@/server/ssh/pool';
import { PROBE_COMMAND, PROBE_SCRIPT } from '@/server/topology/probe';

export const HELPER_DIR = '/usr/local/lib/switchboard';
export const HELPER_NAMES = ['probe', 'apply', 'journal'] as const;
export type HelperName = (typeof HELPER_NAMES)[number];

const CONTENT: Record<HelperName, string> = {
  probe: `#!/bin/sh\n# Switchboard's read-only probe. Installed by the panel; do not edit (the panel checks its sha256).\n${PROBE_SCRIPT}`,
  apply: `#!/bin/sh\n# Switchboard's apply runner. Installed by the panel; do not edit (the panel checks its sha256).\n${RUNNER_SCRIPT}`,
  journal: `#!/bin/sh\n# Switchboard's journal reader and apply confirmer. Installed by the panel; do not edit (the panel checks its sha256).\n${JOURNAL_SCRIPT}`,
};

export interface Helper {
  name: HelperName;
  path: string;
  content: string;
  sha256: string;
}

export const HELPERS: readonly Helper[] = HELPER_NAMES.map((name) => ({
  name,
  path: `${HELPER_DIR}/${name}`,
  content: CONTENT[name],
  sha256: createHash('sha256').update(CONTENT[name]).digest('hex'),
}));

export const helper = (name: HelperName): Helper => HELPERS.find((h) => h.name === name)!;

/** Exit status of the gate when the installed file is missing or differs. */
export const HELPER_MISMATCH_EXIT = 97;
export const HELPER_MISMATCH_MARK = 'SB helper-mismatch';

/**
 * The fixed gate the panel runs (as its own, unprivileged account): hash the installed file and
 * run it through sudo only if it is the expected one. Path, hash and arguments are positional
 * parameters, never part of the script text.
 */
const GATE = `p=$1; want=$2; shift 2
got=$(sha256sum < "$p" 2>/dev/null | cut -d' ' -f1)
if [ "$got" != "$want" ]; then echo "${HELPER_MISMATCH_MARK} $p \${got:-missing}" >&2; exit ${HELPER_MISMATCH_EXIT}; fi
exec sudo -n -- "$p" "$@"`;

export function helperCommand(name: HelperName, args: readonly string[] = []): string[] {
  const h = helper(name);
  return ['sh', '-c', GATE, 'switchboard-gate', h.path, h.sha256, ...args];
}

/** The sudoers rule of least-privilege mode: these three programs, nothing else. */
export function sudoersRule(user: string): string {
  return `${user} ALL=(root) NOPASSWD: ${HELPERS.map((h) => h.path).join(', ')}\n`;
}

/**
 * The installer, run once with the access the host has now (root, or sudo with sh). It reads
 * the helpers from stdin (base64, each with its sha256), checks each hash, installs them
 * root-owned 0755, and, when it runs through sudo for an account, replaces
 * /etc/sudoers.d/switchboard with the narrow rule (checked by visudo first).
 */
export const INSTALL_SCRIPT = `set -eu
umask 022
dir=${HELPER_DIR}
mkdir -p "$dir"; chown root:root "$dir"; chmod 0755 "$dir"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
name=''
while IFS= read -r line; do
  case "$line" in
    'SBFILE '*) set -- $line; name=$2; want=$3; : > "$tmp/$name.b64";;
    SBEND)
      case "$name" in probe|apply|journal) ;; *) echo "SB refused: unknown helper $name" >&2; exit 2;; esac
      base64 -d < "$tmp/$name.b64" > "$tmp/$name"
      got=$(sha256sum < "$tmp/$name" | cut -d' ' -f1)
      [ "$got" = "$want" ] || { echo "SB refused: $name arrived damaged" >&2; exit 2; }
      install -o root -g root -m 0755 "$tmp/$name" "$dir/$name"
      echo "SB installed $dir/$name $got"
      name='';;
    *) [ -n "$name" ] && printf '%s\\n' "$line" >> "$tmp/$name.b64";;
  esac
done
if [ -n "\${SUDO_USER:-}" ] && [ "\${SUDO_USER}" != root ]; then
  case "$SUDO_USER" in *[!a-z0-9_-]*) echo "SB refused: unusual account name" >&2; exit 2;; esac
  printf '%s ALL=(root) NOPASSWD: %s, %s, %s\\n' "$SUDO_USER" "$dir/probe" "$dir/apply" "$dir/journal" > "$tmp/sudoers"
  visudo -cf "$tmp/sudoers" >/dev/null
  install -o root -g root -m 0440 "$tmp/sudoers" /etc/sudoers.d/switchboard
  echo "SB sudoers $SUDO_USER"
fi
`;

export const INSTALL_COMMAND = ['sh', '-c', INSTALL_SCRIPT, 'switchboard-install'] as const;

/** The installer's stdin: every helper, base64 in 76-character lines, framed and hashed. */
export function installBundle(): string {
  return HELPERS.map((h) => {
    const b64 = Buffer.from(h.content).toString('base64').replace(/.{76}/g, '$&\n');
    return `SBFILE ${h.name} ${h.sha256}\n${b64.trimEnd()}\nSBEND\n`;
  }).join('');
}

/** How the probe runs on a host: its installed helper, or `sh -s` with the script on stdin. */
export function probeInvocation(host: SshHost): { argv: readonly string[]; stdin?: string } {
  return host.helpers ? { argv: helperCommand('probe') } : { argv: PROBE_COMMAND, stdin: PROBE_SCRIPT };
}

/** How the runner runs on a host (the plan always arrives on stdin). */
export function applyArgv(host: SshHost): readonly string[] {
  return host.helpers ? helperCommand('apply') : RUNNER_COMMAND;
}

/** How a change's journal is read on a host (or, with `confirm`, the change confirmed). */
export function journalArgv(host: SshHost, changeId: string, confirm = false): readonly string[] {
  if (!/^[A-Za-z0-9]+$/.test(changeId)) throw new Error(`bad change id ${changeId}`);
  return host.helpers ? helperCommand('journal', [changeId, ...(confirm ? ['confirm'] : [])]) : journalCommand(changeId, confirm);
}

/** The gate's refusal as an error people can act on, or null when the gate did not refuse. */
export function helperRefusal(host: SshHost, r: Pick<ExecResult, 'exitCode' | 'stderr'>): AppError | null {
  if (!host.helpers || r.exitCode !== HELPER_MISMATCH_EXIT) return null;
  const m = new RegExp(`${HELPER_MISMATCH_MARK} (\\S+) (\\S+)`).exec(r.stderr);
  const path = m?.[1] ?? 'a helper';
  const found = m?.[2] === 'missing' ? 'is missing' : `has sha256 ${m?.[2] ?? 'unknown'}`;
  return new AppError('HELPER_MISMATCH', {
    userMessage: `${host.name}: ${path} ${found}, not the copy this panel installs, so nothing was run. Install the helpers again from the Hypervisors page (after a panel upgrade they change too).`,
  });
}
