// Pure helpers behind the graph's editing gestures and forms, kept apart from React so they are
// tested as plain functions.
import type { Operation } from '@/server/plan/ops';
import type { BridgeVlan, Topology } from '@/server/topology/model';

const MASTER_KINDS = new Set(['bridge', 'bond']);

/**
 * What a drag from interface `a` to interface `b` means: the one that is a bridge or bond is
 * the master (the drop target first, as the user aimed at it). A string says why nothing fits.
 */
export function connectionOperation(topology: Topology, a: string, b: string): Operation | string {
  const from = topology.interfaces.find((i) => i.name === a);
  const to = topology.interfaces.find((i) => i.name === b);
  if (!from || !to) return 'Only interfaces can be connected.';
  if (MASTER_KINDS.has(to.kind) && !MASTER_KINDS.has(from.kind)) return { kind: 'setMaster', dev: a, master: b };
  if (MASTER_KINDS.has(from.kind) && !MASTER_KINDS.has(to.kind)) return { kind: 'setMaster', dev: b, master: a };
  if (MASTER_KINDS.has(to.kind)) return { kind: 'setMaster', dev: a, master: b };
  return `Connect an interface to a bridge or bond: neither ${a} nor ${b} is one.`;
}

type NicRef = { vm: string; mac: string };
type Place = { network: string } | { bridge: string };

/** The VM NIC a node stands for: a VM's tap, or a VM (its first NIC on a network or bridge). */
function nicOfNode(t: Topology, id: string): NicRef | null {
  if (id.startsWith('if:')) return t.interfaces.find((i) => i.name === id.slice(3))?.owner ?? null;
  if (!id.startsWith('vm:')) return null;
  const vm = t.vms.find((v) => v.name === id.slice(3));
  const nic = vm?.nics.find((n) => (n.type === 'network' || n.type === 'bridge') && n.mac);
  return vm && nic ? { vm: vm.name, mac: nic.mac! } : null;
}

/** Where a NIC dropped on a node goes: a network, or a bridge (a libvirt network's own bridge means that network). */
function placeOfNode(t: Topology, id: string): Place | null {
  if (id.startsWith('net:')) return t.networks.some((n) => n.name === id.slice(4)) ? { network: id.slice(4) } : null;
  if (!id.startsWith('if:')) return null;
  const br = t.interfaces.find((i) => i.name === id.slice(3) && i.kind === 'bridge');
  if (!br) return null;
  const own = t.networks.find((n) => n.bridge === br.name && ['nat', 'route', 'open', 'isolated'].includes(n.mode));
  return own ? { network: own.name } : { bridge: br.name };
}

/**
 * What a drag between two graph nodes means: a VM (or its tap) dropped on a network or bridge
 * moves that NIC there; two interfaces connect as a port and its bridge or bond.
 */
export function nodeConnectionOperation(topology: Topology, sourceId: string, targetId: string): Operation | string {
  for (const [a, b] of [
    [sourceId, targetId],
    [targetId, sourceId],
  ] as const) {
    const nic = nicOfNode(topology, a);
    const place = placeOfNode(topology, b);
    if (nic && place) return { kind: 'moveNic', ...nic, ...place };
  }
  if (sourceId.startsWith('vm:') || targetId.startsWith('vm:')) return 'Drop a VM on a network or a bridge to move its NIC there.';
  if (sourceId.startsWith('if:') && targetId.startsWith('if:')) return connectionOperation(topology, sourceId.slice(3), targetId.slice(3));
  return 'Drop a VM or its NIC on a network or a bridge, or connect an interface to a bridge or bond.';
}

/** Parses "10, 20-22" into VLAN ids; null when something in it is not one. */
export function parseVids(text: string): number[] | null {
  const out: number[] = [];
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (a < 1 || b > 4094 || b < a || b - a > 4093) return null;
    for (let v = a; v <= b; v++) out.push(v);
  }
  return [...new Set(out)].sort((x, y) => x - y);
}

/** The port's VLAN membership as PVID + tagged + untagged lists, and back. */
export function portVlansToLists(vlans: readonly BridgeVlan[]): { pvid: string; tagged: string; untagged: string } {
  return {
    pvid: String(vlans.find((v) => v.pvid)?.vid ?? ''),
    tagged: vlans.filter((v) => !v.untagged && !v.pvid).map((v) => v.vid).join(', '),
    untagged: vlans.filter((v) => v.untagged && !v.pvid).map((v) => v.vid).join(', '),
  };
}

export function listsToPortVlans(pvidText: string, taggedText: string, untaggedText: string, pvidUntagged: boolean): BridgeVlan[] | string {
  const tagged = parseVids(taggedText);
  const untagged = parseVids(untaggedText);
  if (!tagged) return 'VLANs tagged: ids 1-4094, separated by commas (ranges like 10-20 work).';
  if (!untagged) return 'VLANs untagged: ids 1-4094, separated by commas (ranges like 10-20 work).';
  const pvid = pvidText.trim() ? Number(pvidText) : null;
  if (pvid !== null && !(Number.isInteger(pvid) && pvid >= 1 && pvid <= 4094)) return 'The PVID is a VLAN id, 1-4094.';
  const map = new Map<number, BridgeVlan>();
  for (const vid of tagged) map.set(vid, { vid, pvid: false, untagged: false });
  for (const vid of untagged) map.set(vid, { vid, pvid: false, untagged: true });
  if (pvid !== null) map.set(pvid, { vid: pvid, pvid: true, untagged: pvidUntagged });
  return [...map.values()].sort((a, b) => a.vid - b.vid);
}
