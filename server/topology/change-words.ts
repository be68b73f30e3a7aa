// A topology change (diff.ts) in sentences people read in review, history and the list of
// outside changes: "veth-a: address 198.18.252.1/24 added", "br1: MTU 1500 → 1400",
// "VM web1: state running → paused". No JSON and no field paths: each field has a name in words,
// lists say which items came and went, and values read as people write them. Pure.
import type { ChangeEntity, TopologyChange } from './diff';
import { tcRateInWords, tcSizeInWords } from './words';

/** How many field sentences one change shows before "and N more". */
const MAX_SENTENCES = 6;

/** Field paths (diff.ts flattens nested objects to dotted paths) in words. */
const FIELD_WORDS: Record<string, string> = {
  mtu: 'MTU',
  mac: 'MAC address',
  permanentMac: 'permanent MAC address',
  adminUp: 'state',
  kind: 'kind',
  rawKind: 'kind',
  master: 'master',
  parent: 'parent',
  peer: 'peer',
  owner: 'owner',
  addresses: 'address',
  macvlanMode: 'macvlan mode',
  'vlan.id': 'VLAN id',
  'vlan.protocol': 'VLAN protocol',
  'vxlan.vni': 'VXLAN id',
  'vxlan.local': 'VXLAN local address',
  'vxlan.remote': 'VXLAN remote',
  'vxlan.group': 'VXLAN group',
  'vxlan.port': 'VXLAN port',
  'tunnel.local': 'tunnel local address',
  'tunnel.remote': 'tunnel remote',
  'bridge.stp': 'STP',
  'bridge.vlanFiltering': 'VLAN filtering',
  'bridge.forwardDelayCs': 'forward delay',
  'bridge.vlans': 'bridge VLAN',
  'bridgePort.vlans': 'VLAN',
  'bond.mode': 'bond mode',
  'bond.miimon': 'link monitoring interval',
  // VMs and networks.
  state: 'state',
  nics: 'NIC',
  configNics: 'NIC in its kept definition',
  persistent: 'kept definition',
  hotplug: 'hot-plug',
  active: 'state',
  autostart: 'autostart',
  bridgeName: 'bridge',
  forwardDevices: 'forward device',
  ips: 'address',
  portgroups: 'portgroup',
  // tc.
  rate: 'rate',
  ceil: 'ceiling',
  burst: 'burst',
  cburst: 'ceiling burst',
  prio: 'priority',
  leaf: 'leaf qdisc',
  handle: 'handle',
  classid: 'class',
  actions: 'action',
  // Routes.
  gateway: 'gateway',
  dev: 'device',
  metric: 'metric',
  prefsrc: 'preferred source',
  protocol: 'protocol',
  scope: 'scope',
  // The host.
  ipForward: 'IPv4 forwarding',
  ip6Forward: 'IPv6 forwarding',
  iproute2: 'iproute2 version',
  kernel: 'kernel',
  'bootConfig.backend': 'boot configuration',
};

/** Fields whose on/off reads better as two words of their own. */
const BOOLEAN_WORDS: Record<string, [string, string]> = {
  adminUp: ['up', 'down'],
  active: ['active', 'inactive'],
  persistent: ['kept', 'transient'],
  linkUp: ['link up', 'link down'],
};

/** Values with a unit, by the field's last name: tc's rates and sizes, the kernel's centiseconds and milliseconds. */
const UNIT_WORDS: Record<string, (v: unknown) => string | null> = {
  rate: (v) => (typeof v === 'string' ? tcRateInWords(v) : null),
  ceil: (v) => (typeof v === 'string' ? tcRateInWords(v) : null),
  burst: (v) => (typeof v === 'string' ? tcSizeInWords(v) : null),
  cburst: (v) => (typeof v === 'string' ? tcSizeInWords(v) : null),
  forwardDelayCs: (v) => (typeof v === 'number' ? `${v / 100} s` : null),
  miimon: (v) => (typeof v === 'number' ? `${v} ms` : null),
};

/** "bridgePort.learning" -> "bridge port learning": a path no table names, still in words. */
export function pathInWords(path: string): string {
  const named = FIELD_WORDS[path];
  if (named) return named;
  // Already words (diff.ts names some itself: "boot file /etc/sysctl.d/99-switchboard.conf", "VLAN mode").
  if (/[\s/]/.test(path)) return path;
  return path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase())
    .join(' ');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One item of a list (an address, a VLAN, a NIC) as people name it. */
export function itemInWords(item: unknown): string {
  if (!isObject(item)) return valueInWords(item);
  if (typeof item.address === 'string' && typeof item.prefixLength === 'number') return `${item.address}/${item.prefixLength}`;
  if (typeof item.vid === 'number') {
    const flags = [item.pvid === true ? 'PVID' : null, item.untagged === true ? 'untagged' : null].filter(Boolean);
    return `${item.vid}${flags.length ? ` (${flags.join(', ')})` : ''}`;
  }
  // A VM NIC: its MAC and where it is plugged in.
  if ('mac' in item && ('source' in item || 'bridge' in item)) {
    const where = item.bridge ?? item.source;
    return `${valueInWords(item.mac)}${where ? ` on ${valueInWords(where)}` : ''}`;
  }
  if (typeof item.name === 'string') return item.name;
  return Object.entries(item)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${pathInWords(k)} ${isObject(v) || Array.isArray(v) ? itemInWords(v) : valueInWords(v, k)}`)
    .join(', ');
}

/** A single value: "none" for nothing, on/off (or the field's own two words) for booleans. */
export function valueInWords(value: unknown, path = ''): string {
  if (value === null || value === undefined || value === '') return 'none';
  const unit = UNIT_WORDS[path.split('.').pop() ?? '']?.(value);
  if (unit) return unit;
  if (typeof value === 'boolean') {
    const [yes, no] = BOOLEAN_WORDS[path.split('.').pop() ?? ''] ?? ['on', 'off'];
    return value ? yes : no;
  }
  if (Array.isArray(value)) return value.length ? value.map(itemInWords).join(', ') : 'none';
  if (isObject(value)) return itemInWords(value);
  return String(value);
}

/** diff.ts keeps a list field as its canonical JSON text; the list again, or null when it is not one. */
function listOf(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string' || !value.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The sentences for one field: items added and removed for a list, "before → after" otherwise. */
export function fieldSentences(path: string, before: unknown, after: unknown): string[] {
  const what = pathInWords(path);
  const [was, now] = [listOf(before), listOf(after)];
  if (was !== null || now !== null) {
    const wasWords = (was ?? []).map(itemInWords);
    const nowWords = (now ?? []).map(itemInWords);
    const added = nowWords.filter((w) => !wasWords.includes(w));
    const removed = wasWords.filter((w) => !nowWords.includes(w));
    const out = [...added.map((w) => `${what} ${w} added`), ...removed.map((w) => `${what} ${w} removed`)];
    // Nothing on either side (no list, an empty one): nothing to say. The same items in another
    // order (a reordered list): say so rather than nothing.
    if (out.length || (!wasWords.length && !nowWords.length)) return out;
    return [`${what} order ${wasWords.join(', ')} → ${nowWords.join(', ')}`];
  }
  return [`${what} ${valueInWords(before, path)} → ${valueInWords(after, path)}`];
}

/** What a change is about: an interface by its name alone, the rest with what they are. */
const ENTITY_WORDS: Record<ChangeEntity, string> = {
  interface: '',
  vm: 'VM',
  network: 'network',
  qdisc: 'qdisc',
  class: 'class',
  filter: 'filter',
  route: 'route',
  host: 'host',
  'ovs-bridge': 'OVS bridge',
  'ovs-port': 'OVS port',
  masquerade: 'masquerade',
  'port-forward': 'port forward',
};

export function subjectInWords(c: Pick<TopologyChange, 'entity' | 'name'>): string {
  const entity = ENTITY_WORDS[c.entity];
  return entity ? `${entity} ${c.name}` : c.name;
}

/** One change in a line: "br1: MTU 1500 → 1400; address 10.0.0.1/24 added", "VM web1 removed". */
export function changeInWords(c: TopologyChange): string {
  if (c.summary) return c.summary;
  const subject = subjectInWords(c);
  if (c.change !== 'changed') return `${c.entity === 'interface' ? `interface ${c.name}` : subject} ${c.change}`;
  const sentences = Object.entries(c.fields ?? {}).flatMap(([path, [a, b]]) => fieldSentences(path, a, b));
  if (!sentences.length) return `${subject} changed`;
  const shown = sentences.slice(0, MAX_SENTENCES);
  const more = sentences.length - shown.length;
  return `${subject}: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
