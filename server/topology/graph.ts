// Topology -> graph elements (nodes, edges, layout hints). Pure and free of React and I/O, so
// the browser uses it directly and tests check it with fixtures. Positions are not here: the
// layout (elkjs, in a worker) and the user's dragged positions are applied later.
import type { InterfaceKind, NetInterface, Topology } from './model';
import { qdiscBadge } from './words';

/** Where a node sits from left (the wire) to right (the VMs). */
export const COLUMNS = ['uplink', 'link', 'switch', 'network', 'port', 'vm'] as const;
export type Column = (typeof COLUMNS)[number];

export type GraphNodeKind = InterfaceKind | 'vm' | 'network';

export interface GraphNodeData {
  /** Stable id of what the node shows: `if:eth0`, `vm:web1`, `net:default`. */
  ref: string;
  label: string;
  kind: GraphNodeKind;
  column: Column;
  /** ok: up with carrier; down: administratively down; nocarrier: up without carrier; idle: VM shut off etc. */
  status: 'ok' | 'down' | 'nocarrier' | 'unknown' | 'idle';
  badges: string[];
  /** Extra line under the label (VM state, network mode, owner VM). */
  subtitle: string | null;
  [key: string]: unknown;
}

export interface GraphNode {
  id: string;
  type: 'iface' | 'vm' | 'network';
  data: GraphNodeData;
}

export type GraphEdgeKind = 'member' | 'parent' | 'peer' | 'vnic' | 'network-bridge' | 'vnic-config';

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  label?: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const ifId = (name: string) => `if:${name}`;
const vmId = (name: string) => `vm:${name}`;
const netId = (name: string) => `net:${name}`;

function statusOf(i: NetInterface): GraphNodeData['status'] {
  if (!i.adminUp) return 'down';
  if (i.kind === 'loopback') return 'ok';
  if (!i.carrier) return 'nocarrier';
  return 'ok';
}

function columnOf(i: NetInterface): Column {
  switch (i.kind) {
    case 'ethernet':
      return 'uplink';
    case 'veth':
      // A veth whose peer lives in another namespace is this host's wire to the outside.
      return i.peerIfindexElsewhere !== null ? 'uplink' : 'link';
    case 'bond':
    case 'vlan':
    case 'vxlan':
    case 'macvlan':
    case 'dummy':
      return 'link';
    case 'bridge':
      return 'switch';
    case 'tun':
    case 'tap':
    case 'macvtap':
      return 'port';
    default:
      return 'link';
  }
}

/**
 * Short badges: MTU when not 1500, first addresses, VLAN id, VNI, the root qdisc in people's
 * units ("tbf 10 Mbit/s"), how many tc filters, an ingress or clsact qdisc.
 */
function badgesOf(i: NetInterface, t: Topology): string[] {
  const badges: string[] = [];
  if (i.vlan) badges.push(`VLAN ${i.vlan.id}`);
  if (i.vxlan) badges.push(`VNI ${i.vxlan.vni}`);
  if (i.mtu !== 1500 && i.kind !== 'loopback') badges.push(`MTU ${i.mtu}`);
  for (const a of i.addresses.filter((a) => a.scope !== 'link').slice(0, 2)) badges.push(`${a.address}/${a.prefixLength}`);
  const root = t.qdiscs.find((q) => q.dev === i.name && q.root && q.kind !== 'noqueue');
  if (root) badges.push(qdiscBadge(root));
  const filters = (t.filters ?? []).filter((f) => f.dev === i.name).length;
  if (filters) badges.push(`${filters} filter${filters === 1 ? '' : 's'}`);
  for (const q of t.qdiscs.filter((q) => q.dev === i.name && (q.kind === 'ingress' || q.kind === 'clsact'))) badges.push(q.kind);
  if (i.bridge?.stp) badges.push('STP');
  if (i.bridge?.vlanFiltering) badges.push('VLAN filtering');
  return badges;
}

export interface GraphOptions {
  /** Loopback says nothing about virtual networking; hidden unless asked for. */
  showLoopback?: boolean;
}

export function topologyToGraph(t: Topology, opts: GraphOptions = {}): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const names = new Set(t.interfaces.map((i) => i.name));
  const shown = t.interfaces.filter((i) => opts.showLoopback || i.kind !== 'loopback');

  for (const i of shown) {
    nodes.push({
      id: ifId(i.name),
      type: 'iface',
      data: {
        ref: ifId(i.name),
        label: i.name,
        kind: i.kind,
        column: columnOf(i),
        status: statusOf(i),
        badges: badgesOf(i, t),
        subtitle: i.owner ? `${i.owner.vm}` : i.kind === 'veth' && i.peerIfindexElsewhere !== null ? 'uplink' : null,
      },
    });
    if (i.master && names.has(i.master)) {
      edges.push({ id: `member:${i.name}`, source: ifId(i.name), target: ifId(i.master), kind: 'member', label: i.bridgePort?.state ?? undefined });
    }
    if (i.parent && names.has(i.parent)) {
      edges.push({ id: `parent:${i.name}`, source: ifId(i.parent), target: ifId(i.name), kind: 'parent' });
    }
    // One edge per veth pair, drawn from the lower-named end.
    if (i.peer && names.has(i.peer) && i.name < i.peer) {
      edges.push({ id: `peer:${i.name}:${i.peer}`, source: ifId(i.name), target: ifId(i.peer), kind: 'peer' });
    }
  }

  for (const n of t.networks) {
    nodes.push({
      id: netId(n.name),
      type: 'network',
      data: {
        ref: netId(n.name),
        label: n.name,
        kind: 'network',
        column: 'network',
        status: n.active ? 'ok' : 'idle',
        badges: n.ips.map((ip) => `${ip.address}/${ip.prefixLength}`),
        subtitle: n.mode === 'isolated' ? 'isolated' : `forward ${n.mode}`,
      },
    });
    if (n.bridge && names.has(n.bridge)) {
      // Drawn from the bridge to the network, left to right like the columns.
      edges.push({ id: `netbr:${n.name}`, source: ifId(n.bridge), target: netId(n.name), kind: 'network-bridge' });
    }
  }

  for (const vm of t.vms) {
    nodes.push({
      id: vmId(vm.name),
      type: 'vm',
      data: {
        ref: vmId(vm.name),
        label: vm.name,
        kind: 'vm',
        column: 'vm',
        status: vm.state === 'running' ? 'ok' : vm.state === 'paused' ? 'unknown' : 'idle',
        badges: [`${vm.nics.length} NIC${vm.nics.length === 1 ? '' : 's'}`],
        subtitle: vm.state,
      },
    });
    vm.nics.forEach((nic, idx) => {
      const key = nic.mac ?? String(idx);
      if (nic.target && names.has(nic.target)) {
        edges.push({ id: `vnic:${vm.name}:${key}`, source: ifId(nic.target), target: vmId(vm.name), kind: 'vnic', label: nic.mac ?? undefined });
      } else {
        // A stopped VM has no tap: show what its NIC is configured to join.
        const to = nic.type === 'network' && nic.source ? netId(nic.source) : nic.source && names.has(nic.source) ? ifId(nic.source) : null;
        if (to && nodes.some((n) => n.id === to)) {
          edges.push({ id: `vnicconf:${vm.name}:${key}`, source: to, target: vmId(vm.name), kind: 'vnic-config', label: nic.mac ?? undefined });
        }
      }
    });
  }
  return { nodes, edges };
}
