// A change's boot files: the new content of every ifupdown/ifupdown2 file that configures an
// interface the change touches, so the host comes back from a reboot as the change left it.
// Each stanza is edited where the admin keeps it; a new interface goes into Switchboard's own
// file, which the main file sources. Pure: boot files in, files out (the previous content is
// the exact inverse).
import type { BootBackend, BootConfig, Topology } from '@/server/topology/model';
import { bootFileCommands, type PlannedCommand } from '../commands';
import { bootFileShape } from '../documents';
import { REDACTED } from '@/server/topology/parse/boot-config';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';
import { stanzaFor, type IfupdownFlavour } from './ifupdown';
import { writtenAtBoot } from './intent';
import { netplanWritesFor } from './netplan';
import { networkdWritesFor } from './networkd';
import { formatInterfacesFile, parseInterfacesFile, stanzasOf, withInterface, type Block } from './interfaces-file';

export const INTERFACES_FILE = '/etc/network/interfaces';
/** Where Switchboard puts interfaces it creates (a name no package uses). */
export const SWITCHBOARD_INTERFACES_FILE = '/etc/network/interfaces.d/switchboard';

export interface BootWrite {
  path: string;
  /** The content before (null: the file did not exist), written back by the inverse. */
  before: string | null;
  /** The content after (null: Switchboard's own file, left empty, is removed). */
  after: string | null;
}

export type BootWrites = { ok: true; writes: BootWrite[] } | { ok: false; why: string };

/** The backends whose files Switchboard writes. */
const WRITTEN_BACKENDS: readonly BootBackend[] = ['ifupdown', 'ifupdown2', 'networkd', 'netplan'];

/**
 * The netplan features assumed of a host: none of the optional ones, so dummies and veth pairs
 * (netplan 0.107 and later) are refused with why rather than written for a netplan that would
 * reject the whole configuration at boot. The probe does not read `netplan info` yet.
 */
const ASSUMED_NETPLAN_FEATURES: readonly string[] = [];
export const writesBootConfig = (backend: BootBackend): boolean => WRITTEN_BACKENDS.includes(backend);

/** The commands that write `writes`, each undone by writing the file back as it was. */
export const bootCommandsFor = (writes: readonly BootWrite[]): PlannedCommand[] => writes.flatMap((w) => bootFileCommands(w.path, bootFileShape(w.path), w.before, w.after));

/** Classic ifupdown creates these kinds through another package's hook (ifupdown2 needs none). */
const HOOK_PACKAGES: Partial<Record<string, string>> = { bridge: 'bridge-utils', bond: 'ifenslave', vlan: 'vlan' };

/** Why the host could not bring `name` up at boot from its stanza, or null. */
function missingTool(t: Topology, name: string, flavour: IfupdownFlavour, boot: BootConfig): string | null {
  const kind = t.interfaces.find((i) => i.name === name)?.kind;
  const pkg = flavour === 'ifupdown' && kind ? HOOK_PACKAGES[kind] : undefined;
  if (!pkg || boot.installed?.includes(pkg)) return null;
  return `ifupdown needs the ${pkg} package to create ${kind} ${name} at boot, and it is not installed on the host`;
}

/** Whether the main file reads /etc/network/interfaces.d (Debian's default `source` line). */
export const sourcesDirectory = (blocks: readonly Block[]) =>
  blocks.some((b) => b.type === 'other' && b.lines.some((l) => /^\s*source(-directory)?\s+\/etc\/network\/interfaces\.d(\/\*)?\s*$/.test(l)));

/**
 * The files to write for `touched` interfaces, as `intended` has them. Refuses (with why) what it
 * cannot write exactly: a backend it does not write, a file whose secrets it could not read.
 */
export function bootWritesFor(intended: Topology, touched: readonly string[], boot: BootConfig): BootWrites {
  if (boot.backend === 'ifupdown' || boot.backend === 'ifupdown2') return ifupdownWritesFor(intended, touched, boot, boot.backend);
  if (boot.backend === 'networkd') return networkdWritesFor(intended, touched, boot);
  if (boot.backend === 'netplan') return netplanWritesFor(intended, touched, boot, { features: ASSUMED_NETPLAN_FEATURES });
  return { ok: false, why: `Switchboard does not write the configuration of ${BOOT_BACKEND_WORDS[boot.backend]} yet` };
}

function ifupdownWritesFor(intended: Topology, touched: readonly string[], boot: BootConfig, flavour: IfupdownFlavour): BootWrites {
  const files = new Map(boot.files.filter((f) => f.path === INTERFACES_FILE || f.path.startsWith('/etc/network/interfaces.d/')).map((f) => [f.path, f.content]));
  const main = files.get(INTERFACES_FILE);
  if (main === undefined) return { ok: false, why: `${INTERFACES_FILE} was not read` };
  const parsed = new Map([...files].map(([path, content]) => [path, parseInterfacesFile(content)]));
  // New interfaces go to Switchboard's own file when the main file reads that directory.
  const ownPath = sourcesDirectory(parsed.get(INTERFACES_FILE)!) ? SWITCHBOARD_INTERFACES_FILE : INTERFACES_FILE;
  if (!parsed.has(ownPath)) parsed.set(ownPath, []);

  const changed = new Set<string>();
  for (const name of [...new Set(touched)].sort()) {
    // An interface Switchboard does not write (a VXLAN, a VM's tap) keeps what the admin wrote.
    const live = intended.interfaces.find((i) => i.name === name);
    if (live && !writtenAtBoot(intended, live)) continue;
    const stanza = stanzaFor(intended, name, flavour);
    const missing = stanza ? missingTool(intended, name, flavour, boot) : null;
    if (missing) return { ok: false, why: missing };
    const holders = [...parsed].filter(([, blocks]) => stanzasOf(blocks, name).length > 0 || blocks.some((b) => b.type === 'auto' && b.names.includes(name)));
    // Kept where the admin has it (every file that names it loses it, the first one gets it).
    const home = holders[0]?.[0] ?? (stanza ? ownPath : null);
    for (const [path, blocks] of holders) {
      if (path === home) continue;
      parsed.set(path, withInterface(blocks, name, null));
      changed.add(path);
    }
    if (home) {
      parsed.set(home, withInterface(parsed.get(home)!, name, stanza));
      changed.add(home);
    }
  }

  const writes: BootWrite[] = [];
  for (const path of [...changed].sort()) {
    const before = files.get(path) ?? null;
    const text = formatInterfacesFile(parsed.get(path)!);
    const after = path === SWITCHBOARD_INTERFACES_FILE && !text.trim() ? null : text;
    if (after === before) continue;
    if (before?.includes(REDACTED)) return { ok: false, why: `${path} holds a secret Switchboard does not read, so it cannot write the file back exactly` };
    writes.push({ path, before, after });
  }
  return { ok: true, writes };
}
