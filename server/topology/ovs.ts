// Where Open vSwitch's database meets the kernel's interface list: which kernel device is an OVS
// bridge, a port of which bridge, or a device of the datapath itself. Pure; the graph, the
// inspector and the diff use it.
import type { OvsBridge, OvsInterface, OvsPort, Topology } from './model';

/** The datapath every OVS port's kernel device has as its master (`ip link` shows it as a port of nothing). */
export const OVS_DATAPATH = 'ovs-system';

/** Interface types whose interface is a kernel device of the same name (when OVS could set it up). */
export const KERNEL_BACKED_TYPES: ReadonlySet<string> = new Set(['system', 'internal', 'tap']);

export const TUNNEL_TYPES: ReadonlySet<string> = new Set(['vxlan', 'gre', 'geneve', 'stt', 'lisp', 'erspan', 'ip6erspan', 'ip6gre', 'gtpu', 'bareudp']);

export interface OvsPortPlace {
  bridge: OvsBridge;
  port: OvsPort;
}

export interface OvsIndex {
  bridges: Map<string, OvsBridge>;
  /** Interface name -> its port and bridge. */
  byInterface: Map<string, OvsPortPlace & { iface: OvsInterface }>;
  /** Port name -> its bridge. */
  byPort: Map<string, OvsPortPlace>;
}

export function ovsIndex(t: Pick<Topology, 'ovs'>): OvsIndex {
  const bridges = new Map<string, OvsBridge>();
  const byInterface: OvsIndex['byInterface'] = new Map();
  const byPort: OvsIndex['byPort'] = new Map();
  for (const bridge of t.ovs?.bridges ?? []) {
    bridges.set(bridge.name, bridge);
    for (const port of bridge.ports) {
      byPort.set(port.name, { bridge, port });
      for (const iface of port.interfaces) byInterface.set(iface.name, { bridge, port, iface });
    }
  }
  return { bridges, byInterface, byPort };
}

/** The bridge's own port (OVS's LOCAL port, an internal interface named as the bridge): the bridge itself on the graph. */
export const isBridgeOwnPort = (bridge: OvsBridge, port: OvsPort) => port.name === bridge.name && port.interfaces.length === 1 && port.interfaces[0]!.name === bridge.name;

/**
 * The kernel device that carries a tunnel type for the whole datapath (OVS makes one per
 * protocol and UDP port, not one per tunnel port): `vxlan_sys_4789`, `genev_sys_6081`, `gre_sys`.
 */
export function datapathDeviceOf(iface: OvsInterface): string | null {
  if (iface.type === 'vxlan') return `vxlan_sys_${iface.dstPort ?? 4789}`;
  if (iface.type === 'geneve') return `genev_sys_${iface.dstPort ?? 6081}`;
  if (iface.type === 'gre') return 'gre_sys';
  return null;
}
