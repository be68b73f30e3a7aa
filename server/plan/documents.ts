// The documents a plan carries (DESIGN.md rule 3: documents travel as data): libvirt XML and
// the boot-configuration files Switchboard owns. Each has a shape, checked here before the plan
// leaves the panel, so a command never receives a document it does not expect. Pure.
import { FIXED_UNIT_FILES } from './boot/restore-unit';
import { XMLBuilder, XMLValidator, XMLParser } from 'fast-xml-parser';

export const DOCUMENT_SHAPES = {
  /** `virsh net-define`: a whole network definition. */
  'libvirt-network': { root: 'network' },
  /** `virsh net-update ... ip-dhcp-host`: one static DHCP host. */
  'libvirt-dhcp-host': { root: 'host' },
  /** `virsh attach-device` / `detach-device`: one VM NIC. */
  'libvirt-interface': { root: 'interface' },
  /** `sysctl -p` and /etc/sysctl.d: `key = value` lines for the keys Switchboard manages. */
  sysctl: { root: null },
  /** /etc/network/interfaces and Switchboard's file beside it (plan/boot): interfaces(5) text. */
  interfaces: { root: null },
  /** systemd-networkd's .network and .netdev units (plan/boot/networkd.ts). */
  networkd: { root: null },
  /** netplan's YAML (plan/boot/netplan.ts). */
  netplan: { root: null },
  /** `nft -f`: Switchboard's own table, whole (plan/nat.ts). */
  nft: { root: null },
  /**
   * `nft -f`: accepts inserted on top of libvirt's chain ip libvirt_network guest_input (its
   * nftables backend), one line each; the runner's sb-delete-nft-rule deletes one by its text.
   * Also /etc/switchboard/libvirt-accepts.nft, loaded at boot.
   */
  'nft-accepts': { root: null },
  /** /etc/switchboard/forward.rules: Switchboard's FORWARD accepts for `iptables-restore --noflush` at boot (plan/boot/kept.ts). */
  'iptables-rules': { root: null },
  /** /etc/switchboard/tc.batch: the tc trees Switchboard put back at boot, for `tc -force -batch` (plan/boot/kept.ts). */
  'tc-batch': { root: null },
  /** Switchboard's own systemd unit and the drop-in that starts it: fixed text (plan/boot/kept.ts). */
  'systemd-unit': { root: null },
} as const;

/** The shapes of boot files: text the kinds check against the file they replace. */
export const BOOT_FILE_SHAPES = ['interfaces', 'networkd', 'netplan'] as const;
export type BootFileShape = (typeof BOOT_FILE_SHAPES)[number];

/** A boot file's shape, by where it lives. */
export const bootFileShape = (path: string): BootFileShape => (path.startsWith('/etc/systemd/network/') ? 'networkd' : path.startsWith('/etc/netplan/') ? 'netplan' : 'interfaces');

export type DocumentShape = keyof typeof DOCUMENT_SHAPES;

/** The kernel settings Switchboard writes, each with the values it may take. */
export const MANAGED_SYSCTLS: Record<string, RegExp> = {
  'net.ipv4.ip_forward': /^[01]$/,
  'net.ipv6.conf.all.forwarding': /^[01]$/,
};

export class DocumentShapeError extends Error {}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

/** Throws unless `d.text` has the shape its command expects. */
export function checkDocument(d: { shape: DocumentShape; text: string }): void {
  const fail = (why: string): never => {
    throw new DocumentShapeError(`a ${d.shape} document ${why}`);
  };
  if (d.text.length > 256 * 1024) fail('is larger than 256 KiB');
  const root = DOCUMENT_SHAPES[d.shape].root;
  if ((BOOT_FILE_SHAPES as readonly string[]).includes(d.shape)) {
    // What a boot file says is checked by its kind against the file it replaces (write-boot-files.ts).
    if (/[\0\r]/.test(d.text)) fail('holds a NUL or carriage return');
    return;
  }
  if (d.shape === 'nft') return checkNftDocument(d.text, fail);
  if (d.shape === 'iptables-rules') return checkLines(d.text, IPTABLES_RULES_LINES, fail);
  if (d.shape === 'nft-accepts') return checkLines(d.text, NFT_ACCEPT_LINES, fail);
  if (d.shape === 'tc-batch') return checkTcBatch(d.text, fail);
  if (d.shape === 'systemd-unit') {
    if (!SYSTEMD_UNITS.includes(d.text)) fail('is not the unit or drop-in Switchboard writes');
    return;
  }
  if (root === null) {
    for (const line of d.text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const m = /^([a-z0-9_.]+) = (\S+)$/.exec(line);
      if (!m) fail(`has a line that is not "key = value": ${JSON.stringify(line.slice(0, 60))}`);
      const allowed = MANAGED_SYSCTLS[m![1]!];
      if (!allowed) fail(`sets ${m![1]}, which Switchboard does not manage`);
      if (!allowed!.test(m![2]!)) fail(`sets ${m![1]} to ${m![2]}, which it cannot take`);
    }
    return;
  }
  // No DOCTYPE, entity or processing instruction: libvirt needs none, and they are how XML
  // documents smuggle in what they do not show.
  if (/<[!?]/.test(d.text)) fail('holds a declaration, DOCTYPE or processing instruction');
  const valid = XMLValidator.validate(d.text);
  if (valid !== true) fail(`is not well-formed XML: ${valid.err.msg}`);
  const doc = parser.parse(d.text) as Record<string, unknown>;
  const roots = Object.keys(doc);
  if (roots.length !== 1 || roots[0] !== root || Array.isArray(doc[root])) fail(`must be one <${root}> element, not <${roots.join('>, <')}>`);
}

/**
 * The lines plan/nat.ts writes, and nothing else: Switchboard's table only (never another
 * table, an include or a flush of the ruleset), rules of the two forms it reads back.
 */
const NFT_LINES = [
  /^table inet switchboard$/,
  /^delete table inet switchboard$/,
  /^table inet switchboard \{$/,
  /^\tchain (prerouting|postrouting) \{$/,
  /^\t\ttype nat hook (prerouting priority dstnat|postrouting priority srcnat); policy accept;$/,
  /^\t\t(iifname "[A-Za-z0-9_.-]{1,15}" )?(ip6? saddr [0-9a-f.:/]+ )?(tcp|udp) dport \d{1,5} dnat (ip to [0-9.]+|ip6 to \[[0-9a-f:]+\]):\d{1,5} comment "switchboard(:[A-Za-z0-9-]+)?"$/,
  /^\t\t(ip6? saddr [0-9a-f.:/]+ )?(oifname "[A-Za-z0-9_.-]{1,15}" )?masquerade comment "switchboard(:[A-Za-z0-9-]+)?"$/,
  /^\t?\}$/,
  /^$/,
];

/** The accept rules plan/nat.ts inserts (forwardAcceptArgv), as iptables-restore reads them, and nothing else. */
const IPTABLES_RULES_LINES = [
  /^#[^\n]*$/,
  /^\*filter$/,
  /^-I FORWARD -d [0-9.]{7,15}\/32 -o [A-Za-z0-9_.-]{1,15} -p (tcp|udp) -m (tcp|udp) --dport \d{1,5} -m conntrack --ctstate DNAT -m comment --comment switchboard(:[A-Za-z0-9-]+)? -j ACCEPT$/,
  /^COMMIT$/,
  /^$/,
];

/** The accepts plan/nat.ts inserts into libvirt's nft chain (nftAcceptInserts), and nothing else. */
const NFT_ACCEPT_LINES = [
  /^#[^\n]*$/,
  /^insert rule ip libvirt_network guest_input oifname "[A-Za-z0-9_.-]{1,15}" ip daddr [0-9.]{7,15} (tcp|udp) dport \d{1,5} ct status dnat accept comment "switchboard(:[A-Za-z0-9-]+)?"$/,
  /^$/,
];

function checkLines(text: string, lines: readonly RegExp[], fail: (why: string) => never): void {
  for (const line of text.split('\n')) if (!lines.some((re) => re.test(line))) fail(`has a line Switchboard does not write: ${JSON.stringify(line.slice(0, 80))}`);
}

/**
 * tc batch lines build qdiscs, classes and filters (plan/tc.ts restoreCommands), each word of
 * the safe set, and never an action, a BPF program or `exec`: what runs as root at boot is what
 * Switchboard read back from the kernel as plain shaping.
 */
const TC_BATCH_LINE = /^(qdisc|class|filter) add dev [A-Za-z0-9_.:-]{1,15}( [A-Za-z0-9_.:/%-]+)+$/;
const TC_BATCH_FORBIDDEN = new Set(['action', 'actions', 'exec', 'bpf', 'ebpf', 'obj', 'object-file', 'object-pinned', 'xt', 'ipt', 'mirred', 'pedit', 'ematch', 'batch']);
function checkTcBatch(text: string, fail: (why: string) => never): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (!TC_BATCH_LINE.test(line)) fail(`has a line Switchboard does not write: ${JSON.stringify(line.slice(0, 80))}`);
    // One action only: police (ingress policing), which limits a rate and runs nothing.
    const words = line.split(' ');
    const word = words.find((w, k) => TC_BATCH_FORBIDDEN.has(w) && !(w === 'action' && words[k + 1] === 'police'));
    if (word) fail(`uses "${word}", which Switchboard never writes`);
  }
}

const SYSTEMD_UNITS = Object.values(FIXED_UNIT_FILES);

function checkNftDocument(text: string, fail: (why: string) => never): void {
  if (!text.startsWith('table inet switchboard\ndelete table inet switchboard\n')) fail('must replace the table inet switchboard and nothing else');
  for (const line of text.split('\n')) if (!NFT_LINES.some((re) => re.test(line))) fail(`has a line Switchboard does not write: ${JSON.stringify(line.slice(0, 80))}`);
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, indentBy: '  ', suppressEmptyNode: true });

/**
 * An XML element from a plain object: keys starting with `@` are attributes, arrays repeat an
 * element, `undefined` leaves it out. The library escapes every value, so a name or an address
 * can never become markup.
 */
export function xmlDocument(root: string, content: Record<string, unknown>): string {
  return builder.build({ [root]: content }) as string;
}
