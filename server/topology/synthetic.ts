// A large, plausible topology for rendering benchmarks: uplinks carrying VLANs into bridges,
// libvirt networks on those bridges, and VMs with several NICs each. Pure and deterministic.
import { interfaceWith, MODEL_VERSION, networkWith, vmNicWith, vmWith, type NetInterface, type Topology } from './model';

export interface SyntheticSize {
  uplinks: number;
  vlansPerUplink: number;
  bridges: number;
  vms: number;
  nicsPerVm: number;
}

/** About 2,300 nodes and 3,000 edges once mapped to a graph. */
export const LARGE: SyntheticSize = { uplinks: 100, vlansPerUplink: 3, bridges: 250, vms: 360, nicsPerVm: 3 };

const hex = (n: number) => n.toString(16).padStart(2, '0');

function iface(index: number, name: string, kind: NetInterface['kind'], extra: Partial<NetInterface> = {}): NetInterface {
  const mac = `02:00:${hex((index >> 16) & 255)}:${hex((index >> 8) & 255)}:${hex(index & 255)}:01`;
  return interfaceWith(name, kind, { index, rawKind: kind, mac, operstate: 'UP', adminUp: true, carrier: true, ...extra });
}

export function syntheticTopology(size: SyntheticSize = LARGE): Topology {
  const interfaces: NetInterface[] = [];
  let index = 1;
  const bridges = Array.from({ length: size.bridges }, (_, b) => `br${b}`);
  for (const name of bridges) {
    interfaces.push(iface(index++, name, 'bridge', { bridge: { stp: true, vlanFiltering: false, forwardDelayCs: 1500, vlans: [] } }));
  }
  let vlanCount = 0;
  for (let u = 0; u < size.uplinks; u++) {
    const up = `eno${u}`;
    interfaces.push(iface(index++, up, 'ethernet'));
    for (let v = 0; v < size.vlansPerUplink; v++) {
      const id = 100 + v;
      interfaces.push(
        iface(index++, `${up}.${id}`, 'vlan', {
          parent: up,
          vlan: { id, protocol: '802.1Q' },
          master: bridges[vlanCount++ % bridges.length]!,
          bridgePort: { state: 'forwarding', vlans: [] },
        }),
      );
    }
  }
  const vms: Topology['vms'] = [];
  let tap = 0;
  for (let v = 0; v < size.vms; v++) {
    const name = `vm${v}`;
    const nics: Topology['vms'][number]['nics'] = [];
    for (let n = 0; n < size.nicsPerVm; n++) {
      const dev = `vnet${tap}`;
      const bridge = bridges[(v * size.nicsPerVm + n) % bridges.length]!;
      const mac = `52:54:00:${hex((tap >> 8) & 255)}:${hex(tap & 255)}:${hex(n)}`;
      tap++;
      interfaces.push(iface(index++, dev, 'tap', { master: bridge, bridgePort: { state: 'forwarding', vlans: [] }, owner: { vm: name, mac } }));
      nics.push(vmNicWith('bridge', { mac, model: 'virtio', source: bridge, bridge, target: dev }));
    }
    vms.push(vmWith(name, `00000000-0000-4000-8000-${v.toString().padStart(12, '0')}`, 'running', nics));
  }
  const networks: Topology['networks'] = bridges.map((b, i) => networkWith(`net-${b}`, `00000000-0000-4000-9000-${i.toString().padStart(12, '0')}`, 'bridge', { bridge: b }));
  return {
    modelVersion: MODEL_VERSION,
    host: { hostname: 'synthetic', kernel: null, iproute2: null, libvirtVersion: null, libvirtAvailable: true, ipForward: true, ip6Forward: false, forwardingFile: null },
    interfaces,
    routes: [],
    qdiscs: [],
    classes: [],
    networks,
    vms,
    missing: [],
  };
}
