// What Switchboard keeps for boot beside the network's own configuration: the traffic control
// (tc) trees and the NAT rules it applied, which the kernel forgets at reboot and which no
// network manager (ifupdown, systemd-networkd, netplan) writes. Three files of its own in
// /etc/switchboard, read back at boot by one systemd unit of its own, once the network and
// libvirt are up (libvirt's FORWARD rules must exist before the accepts go on top of them).
//
// The files say what the host should be, not what changed: a change rewrites the tc block of
// each interface its tc steps touch and the whole NAT table, from the topology it intends.
// A block holds the interface's root tree and, where Switchboard set one, its ingress policing.
// Their previous content is the exact inverse. Pure: topologies in, files out.
import type { BootConfig, FirewallState, ForwardAccept, Topology } from '@/server/topology/model';
import { checkDocument } from '../documents';
import type { Argv } from '../commands';
import { addPolicingArgvs, policingOf } from '../ingress-police';
import { forwardAcceptArgv, nftAcceptInserts, switchboardTableDocument } from '../nat';
import { isKernelDefault, restoreCommands, rootTreeOf } from '../tc';
import { tcArithmeticOf } from '../tc-arithmetic';
import type { BootWrite } from './persist';
import { FIXED_UNIT_FILES, KEPT_FILE_PATHS, KEPT_FILE_SHAPES, KEPT_FORWARD_FILE, KEPT_LIBVIRT_ACCEPTS_FILE, KEPT_NAT_FILE, KEPT_TC_FILE, type KeptFilePath } from './restore-unit';

const TC_HEADER = '# Kept by Switchboard: traffic control put back at boot (tc -force -batch). Changes made here are overwritten.\n';
const FORWARD_HEADER = '# Kept by Switchboard: accepts for port forwards into libvirt networks, put back at boot (iptables-restore --noflush).\n';
const LIBVIRT_ACCEPTS_HEADER = "# Kept by Switchboard: accepts for port forwards into libvirt networks, put back at boot on top of libvirt's nft chain (nft -f).\n";
/** A tc block starts with this comment; the lines up to the next one build that interface's tree. */
const TC_BLOCK = /^# dev ([A-Za-z0-9_.:-]{1,15})$/;

/** The tc file's blocks, by interface, in file order. */
export function tcBlocksOf(content: string | null): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of (content ?? '').split('\n')) {
    const m = TC_BLOCK.exec(line);
    if (m) blocks.set(m[1]!, (current = []));
    else if (line && !line.startsWith('#') && current) current.push(line);
  }
  return blocks;
}

function tcFileOf(blocks: Map<string, string[]>): string | null {
  if (!blocks.size) return null;
  return TC_HEADER + [...blocks].map(([dev, lines]) => `# dev ${dev}\n${lines.map((l) => `${l}\n`).join('')}`).join('');
}

/** The iptables-restore file for Switchboard's FORWARD accepts; null when there are none. */
export function forwardRulesFileOf(all: readonly ForwardAccept[]): string | null {
  const accepts = all.filter((a) => a.tool === 'iptables');
  if (!accepts.length) return null;
  // Each `-I` goes to the top, above libvirt's jumps. Their order among themselves does not
  // matter: every one accepts only the connections its own forward translated.
  const lines = accepts.map((a) => forwardAcceptArgv('-I', a).filter((w) => w !== 'iptables' && w !== '-w').join(' '));
  return `${FORWARD_HEADER}*filter\n${lines.map((l) => `${l}\n`).join('')}COMMIT\n`;
}

/** The nft file for Switchboard's accepts in libvirt's own chain; null when there are none. */
export function libvirtAcceptsFileOf(all: readonly ForwardAccept[]): string | null {
  const accepts = all.filter((a) => a.tool === 'nft');
  return accepts.length ? LIBVIRT_ACCEPTS_HEADER + nftAcceptInserts(accepts) : null;
}

/** The nft file for Switchboard's table; null when it holds no rule. */
export function natFileOf(fw: FirewallState): string | null {
  const own = [...fw.portForwards, ...fw.masquerades].some((r) => r.owner === 'switchboard');
  return own ? switchboardTableDocument(fw) : null;
}

export interface KeptWrite extends BootWrite {
  path: KeptFilePath;
}
export type KeptWrites = { ok: true; writes: KeptWrite[] } | { ok: false; why: string };

const contentOf = (boot: BootConfig, path: string): string | null => boot.files.find((f) => f.path === path)?.content ?? null;

/** Why the host cannot keep tc and NAT rules for boot this way, or null. */
export function keepingProblem(t: Topology): string | null {
  const boot = t.host.bootConfig;
  if (!boot) return `${t.host.hostname}'s boot configuration has not been read`;
  if (!boot.installed?.includes('systemd')) return `${t.host.hostname} does not run systemd, which starts Switchboard's boot unit`;
  for (const path of KEPT_FILE_PATHS) {
    const text = contentOf(boot, path);
    if (text === null) continue;
    try {
      checkDocument({ shape: KEPT_FILE_SHAPES[path], text });
    } catch (err) {
      return `${path} was edited by hand (${(err as Error).message.replace(/^an? [\w-]+ document /, 'it ')}); restore it or remove it`;
    }
  }
  return null;
}

/**
 * The kept files after a change whose tc steps touch `tcDevices` (and which may change NAT),
 * as `intended` has them; or why they cannot be written exactly.
 */
export function keptWritesFor(intended: Topology, tcDevices: readonly string[]): KeptWrites {
  const problem = keepingProblem(intended);
  if (problem) return { ok: false, why: problem };
  const boot = intended.host.bootConfig!;
  const after = new Map<KeptFilePath, string | null>();

  const blocks = tcBlocksOf(contentOf(boot, KEPT_TC_FILE));
  for (const dev of [...new Set(tcDevices)].sort()) {
    const tree = rootTreeOf(intended, dev);
    const argvs: Argv[] = [];
    if (!isKernelDefault(tree)) {
      const built = restoreCommands(dev, tree, tcArithmeticOf(intended));
      if ('why' in built) return { ok: false, why: built.why };
      argvs.push(...built.argvs);
    }
    // Its ingress policing, when Switchboard set it (another ingress setup is not Switchboard's to keep).
    const policing = policingOf(intended, dev);
    if (!('why' in policing) && policing.policing) argvs.push(...addPolicingArgvs(dev, policing.policing));
    if (!intended.interfaces.some((i) => i.name === dev) || !argvs.length) blocks.delete(dev);
    else blocks.set(dev, argvs.map((argv) => argv.slice(1).join(' ')));
  }
  after.set(KEPT_TC_FILE, tcFileOf(blocks));

  // Without a read of the firewall the NAT files stay as they are.
  if (intended.firewall) {
    after.set(KEPT_NAT_FILE, natFileOf(intended.firewall));
    after.set(KEPT_FORWARD_FILE, forwardRulesFileOf(intended.firewall.forwardAccepts));
    after.set(KEPT_LIBVIRT_ACCEPTS_FILE, libvirtAcceptsFileOf(intended.firewall.forwardAccepts));
  }
  const keepsAnything = ([KEPT_TC_FILE, KEPT_NAT_FILE, KEPT_FORWARD_FILE, KEPT_LIBVIRT_ACCEPTS_FILE] as const).some((p) => (after.has(p) ? after.get(p) : contentOf(boot, p)) !== null);
  for (const [path, fixed] of Object.entries(FIXED_UNIT_FILES)) after.set(path as KeptFilePath, keepsAnything ? fixed : null);

  const writes = KEPT_FILE_PATHS.flatMap((path): KeptWrite[] => {
    if (!after.has(path)) return [];
    const before = contentOf(boot, path);
    const next = after.get(path)!;
    return before === next ? [] : [{ path, before, after: next }];
  });
  return { ok: true, writes };
}
