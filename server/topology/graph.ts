// Topology -> graph elements (nodes, edges, layout hints). Pure and free of React and I/O, so
// the browser uses it directly and tests check it with fixtures. Positions are not here: the
// layout (elkjs, in a worker) and the user's dragged positions are applied later.
import { firewallOnGraph, type FirewallOnGraph, type PortForwardBadge } from './graph-nat';
import { ifId, netId, ovsId, ovsInterfaceId, vmId } from './graph-ids';
import type { InterfaceKind, NetInterface, OvsBridge, OvsInterface, OvsPort, Topology } from './model';
import { datapathDeviceOf, isBridgeOwnPort, KERNEL_BACKED_TYPES, OVS_DATAPATH, ovsIndex, TUNNEL_TYPES, type OvsIndex } from './ovs';
import { bitRateInWords, ovsTunnelBadge, ovsTypeInWords, ovsVlanBadges, parseTcRate, qdiscBadge } from './words';

/** The ingress qdisc's handle, which its filters name as their parent. */
const INGRESS_HANDLE = 'ffff:';

/** Where a node sits from left (the wire) to right (the VMs). */
export const COLUMNS = ['uplink', 'link', 'switch', 'network', 'port', 'vm'] as const;
export type Column = (typeof COLUMNS)[number];

/** `ovs-bridge`: an Open vSwitch bridge; `ovs-port`: an OVS port that is not a plain kernel device (internal, tunnel, patch, bond). */
export type GraphNodeKind = InterfaceKind | 'vm' | 'network' | 'ovs-bridge' | 'ovs-port';

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
  /** Port forwards that end here ("tcp 8080 → 80"), each with its sentence for a tooltip; absent when none. */
  portForwards?: PortForwardBadge[];
  [key: string]: unknown;
}

export interface GraphNode {
  id: string;
  type: 'iface' | 'vm' | 'network';
  data: GraphNodeData;
}

/**
 * `ovs-port`: a port on an OVS bridge (or an interface in an OVS bond); `ovs-patch`: two patch
 * ports joined; `nat`: a subnet masqueraded out of an interface (graph-nat.ts), drawn over the
 * structure rather than part of it.
 */
export type GraphEdgeKind = 'member' | 'parent' | 'peer' | 'vnic' | 'network-bridge' | 'vnic-config' | 'ovs-port' | 'ovs-patch' | 'nat';

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

export { ifId, netId, ovsId, ovsInterfaceId, vmId };
export type { PortForwardBadge };

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
  const filters = (t.filters ?? []).filter((f) => f.dev === i.name);
  // Ingress policing (one match-all filter with a police action) says its cap instead of "ingress, 1 filter".
  const ingressFilters = filters.filter((f) => f.parent === INGRESS_HANDLE);
  const cap = ingressFilters.length === 1 && ingressFilters[0]!.match === 'all traffic' && ingressFilters[0]!.police ? parseTcRate(ingressFilters[0]!.police.rate) : null;
  const counted = cap !== null ? filters.length - 1 : filters.length;
  if (counted) badges.push(`${counted} filter${counted === 1 ? '' : 's'}`);
  if (cap !== null) badges.push(`receives ≤ ${bitRateInWords(cap)}`);
  for (const q of t.qdiscs.filter((q) => q.dev === i.name && (q.kind === 'ingress' || q.kind === 'clsact'))) if (!(cap !== null && q.kind === 'ingress')) badges.push(q.kind);
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
  const ovs = ovsIndex(t);
  const hidden = t.ovs ? ovsHiddenDevices(t, ovs) : new Set<string>();
  const shown = t.interfaces.filter((i) => (opts.showLoopback || i.kind !== 'loopback') && !hidden.has(i.name));

  for (const i of shown) {
    const bridge = ovs.bridges.get(i.name);
    const place = ovs.byInterface.get(i.name);
    const ovsPort = place && !place.port.bond && !isBridgeOwnPort(place.bridge, place.port) ? place.port : null;
    const internal = place?.iface.type === 'internal' && !bridge;
    nodes.push({
      id: ifId(i.name),
      type: 'iface',
      data: {
        ref: ifId(i.name),
        label: i.name,
        kind: bridge ? 'ovs-bridge' : internal ? 'ovs-port' : i.kind,
        column: bridge ? 'switch' : internal ? 'port' : columnOf(i),
        status: statusOf(i),
        badges: [...(ovsPort ? ovsVlanBadges(ovsPort) : []), ...badgesOf(i, t)],
        subtitle: bridge
          ? 'Open vSwitch'
          : internal
            ? `internal port of ${place.bridge.name}`
            : i.owner
              ? `${i.owner.vm}`
              : i.kind === 'veth' && i.peerIfindexElsewhere !== null
                ? 'uplink'
                : null,
      },
    });
    // An OVS port's device has the datapath as its master; its bridge is drawn from the database below.
    if (i.master && names.has(i.master) && !(t.ovs && i.master === OVS_DATAPATH)) {
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
  if (t.ovs) addOvs(t.ovs.bridges, new Set(shown.map((i) => i.name)), names, nodes, edges);
  const drawn = new Set(nodes.map((n) => n.id));

  for (const n of t.networks) {
    drawn.add(netId(n.name));
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
    if (n.bridge && drawn.has(ifId(n.bridge))) {
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
        const to = nic.type === 'network' && nic.source ? netId(nic.source) : nic.source ? ifId(nic.source) : null;
        if (to && drawn.has(to)) {
          edges.push({ id: `vnicconf:${vm.name}:${key}`, source: to, target: vmId(vm.name), kind: 'vnic-config', label: nic.mac ?? undefined });
        }
      }
    });
  }
  if (t.firewall) addFirewall(t, nodes, edges);
  return { nodes, edges };
}

/** NAT edges between drawn nodes, and each port forward as a badge on the node it ends at (graph-nat.ts). */
function addFirewall(t: Topology, nodes: GraphNode[], edges: GraphEdge[]): void {
  const { nat, portForwards } = firewallOnGraph(t, new Set(nodes.map((n) => n.id)));
  edges.push(...nat.map((n) => n.edge));
  nodes.forEach((n, idx) => {
    const badges = portForwards.get(n.id);
    if (badges) nodes[idx] = { ...n, data: { ...n.data, portForwards: badges.map((b) => b.badge) } };
  });
}

/**
 * Kernel devices the OVS nodes stand for: the datapath (`ovs-system`, what every port's device
 * has as its master) and its shared tunnel devices (`vxlan_sys_4789`, `gre_sys`, ...: one per
 * protocol and UDP port, not one per tunnel). Drawn, each would be an island or a hub of
 * everything; a tunnel port's node names its device instead.
 */
function ovsHiddenDevices(t: Topology, ovs: OvsIndex): Set<string> {
  const hidden = new Set<string>();
  for (const i of t.interfaces) {
    if (ovs.bridges.has(i.name) || ovs.byInterface.has(i.name)) continue;
    if (i.rawKind === 'openvswitch' || i.master === OVS_DATAPATH) hidden.add(i.name);
  }
  return hidden;
}

const OVS_STATUS = (i: OvsInterface): GraphNodeData['status'] => (i.error ? 'down' : 'ok');

/**
 * A node for an OVS interface or port without a kernel device: what it is in its subtitle, its
 * tunnel in a badge. `devices`: every kernel device, hidden ones included (a tunnel names the
 * datapath device that carries it).
 */
function ovsOnlyNode(id: string, label: string, iface: OvsInterface | null, port: OvsPort | null, devices: ReadonlySet<string>): GraphNode {
  const badges: string[] = [];
  let subtitle = 'OVS port';
  let column: Column = 'link';
  if (port?.bond) {
    badges.push(`bond ${port.bond.mode ?? 'active-backup'}`);
    if (port.bond.lacp && port.bond.lacp !== 'off') badges.push(`LACP ${port.bond.lacp}`);
    subtitle = 'OVS bond';
  }
  if (iface) {
    if (TUNNEL_TYPES.has(iface.type)) {
      badges.push(ovsTunnelBadge(iface));
      const device = datapathDeviceOf(iface);
      subtitle = `${ovsTypeInWords(iface.type)} tunnel${device && devices.has(device) ? ` via ${device}` : ''}`;
    } else if (iface.type === 'patch') {
      badges.push(`patch → ${iface.peer ?? '?'}`);
      subtitle = 'OVS patch port';
    } else {
      // A kernel-backed interface whose device is not there (OVS says why in `error`).
      subtitle = iface.type === 'system' ? 'OVS port, device missing' : `OVS ${ovsTypeInWords(iface.type)}, device missing`;
      column = iface.type === 'internal' ? 'port' : 'link';
    }
    if (iface.error) badges.push('error');
  }
  if (port) badges.push(...ovsVlanBadges(port));
  const status = iface ? OVS_STATUS(iface) : port?.interfaces.some((i) => i.error) ? 'down' : 'ok';
  return { id, type: 'iface', data: { ref: id, label, kind: 'ovs-port', column, status, badges, subtitle } };
}

/**
 * OVS bridges, their ports and the edges between them. A bridge is one node with its kernel
 * device's id (`if:<bridge>`, its internal port), or alone when the kernel has no such device
 * (ovs-vswitchd down). A port whose interface is a kernel device (a NIC, a VM's tap, an
 * internal port) joins with that device's node; tunnels, patches and bonds get nodes of their
 * own (`ovs:<port>`). Each port's edge to its bridge is labelled with its VLANs.
 */
function addOvs(bridges: readonly OvsBridge[], kernel: ReadonlySet<string>, allDevices: ReadonlySet<string>, nodes: GraphNode[], edges: GraphEdge[]): void {
  /** Interface name -> the node drawn for it (patch peers are named by interface). */
  const nodeOfInterface = new Map<string, string>();
  const onKernel = (i: OvsInterface) => KERNEL_BACKED_TYPES.has(i.type) && kernel.has(i.name);
  const patches: OvsInterface[] = [];
  for (const bridge of bridges) {
    const bridgeId = ifId(bridge.name);
    if (!kernel.has(bridge.name)) {
      nodes.push({ id: bridgeId, type: 'iface', data: { ref: bridgeId, label: bridge.name, kind: 'ovs-bridge', column: 'switch', status: 'idle', badges: [], subtitle: 'Open vSwitch (not in the kernel)' } });
    }
    for (const port of bridge.ports) {
      if (isBridgeOwnPort(bridge, port)) continue;
      let portNode: string;
      if (port.bond) {
        portNode = ovsId(port.name);
        nodes.push(ovsOnlyNode(portNode, port.name, null, port, allDevices));
        for (const member of port.interfaces) {
          let memberNode = ifId(member.name);
          if (!onKernel(member)) {
            memberNode = ovsInterfaceId(member.name);
            nodes.push(ovsOnlyNode(memberNode, member.name, member, null, allDevices));
          }
          nodeOfInterface.set(member.name, memberNode);
          edges.push({ id: `ovsbond:${member.name}`, source: memberNode, target: portNode, kind: 'ovs-port' });
        }
      } else {
        const iface = port.interfaces[0];
        if (iface && onKernel(iface)) portNode = ifId(iface.name);
        else {
          portNode = ovsId(port.name);
          nodes.push(ovsOnlyNode(portNode, port.name, iface ?? null, port, allDevices));
        }
        if (iface) nodeOfInterface.set(iface.name, portNode);
        if (iface?.type === 'patch') patches.push(iface);
      }
      const vlans = ovsVlanBadges(port);
      edges.push({ id: `ovsport:${port.name}`, source: portNode, target: bridgeId, kind: 'ovs-port', ...(vlans.length ? { label: vlans.join(', ') } : {}) });
    }
  }
  // One edge per patch pair, drawn from the lower-named end, when both ends point at each other.
  for (const a of patches) {
    const b = a.peer;
    const from = nodeOfInterface.get(a.name);
    const to = b === null ? undefined : nodeOfInterface.get(b);
    if (b !== null && from && to && a.name < b && patches.some((p) => p.name === b && p.peer === a.name)) {
      edges.push({ id: `ovspatch:${a.name}:${b}`, source: from, target: to, kind: 'ovs-patch' });
    }
  }
}

/** The firewall as the graph draws it (NAT edges with their rules, port forwards by node), for the inspector. */
export function firewallPlaces(t: Topology): FirewallOnGraph {
  if (!t.firewall) return { nat: [], portForwards: new Map() };
  return firewallOnGraph(t, new Set(topologyToGraph(t).nodes.map((n) => n.id)));
}
