import { z } from 'zod';
import type { OvsPort } from '@/server/topology/model';
import { ovsIndex } from '@/server/topology/ovs';
import { cmd } from '../commands';
import { ZIfName } from '../fields';
import { defineKind, PHASES } from '../kind';
import {
  addPortWords,
  bridgeWithPort,
  checkNewPort,
  needOvs,
  needOvsBridge,
  OVS_TUNNEL_TYPES,
  portDifferences,
  TUNNEL_DEFAULT_PORT,
  TUNNEL_KEY_MAX,
  tunnelInWords,
  vsctl,
  withBridgeChanged,
  ZTunnelKey,
  ZTunnelRemote,
  ZUdpPort,
} from '../ovs';

/** A tunnel port on an Open vSwitch bridge: VXLAN, GRE or Geneve to another host. Field names are a stable API (issue 13). */
export const addOvsTunnelPortSchema = z.object({
  kind: z.literal('addOvsTunnelPort'),
  bridge: ZIfName,
  port: ZIfName,
  type: z.enum(OVS_TUNNEL_TYPES, { error: 'A tunnel is vxlan, gre or geneve.' }),
  /** The other host's address (options:remote_ip). */
  remote: ZTunnelRemote,
  /** VXLAN/Geneve VNI or GRE key (options:key); unset: OVS's default (0, or no GRE key). */
  key: ZTunnelKey.optional(),
  /** UDP port when not the protocol's default (options:dst_port; VXLAN 4789, Geneve 6081). */
  dstPort: ZUdpPort.optional(),
});
type AddOvsTunnelPort = z.output<typeof addOvsTunnelPortSchema>;

const portOf = (op: AddOvsTunnelPort): OvsPort => ({
  name: op.port,
  tag: null,
  trunks: [],
  vlanMode: null,
  bond: null,
  interfaces: [
    { name: op.port, type: op.type, remote: op.remote, local: null, key: op.key !== undefined ? String(op.key) : null, dstPort: op.dstPort ?? null, peer: null, attachedMac: null, error: null },
  ],
});

/** The UDP port a tunnel listens on (null for GRE). */
const udpPortOf = (type: string, dstPort: number | null) => dstPort ?? TUNNEL_DEFAULT_PORT[type as keyof typeof TUNNEL_DEFAULT_PORT] ?? null;

export const addOvsTunnelPort = defineKind({
  schema: addOvsTunnelPortSchema,
  describe: (op) => `add ${tunnelInWords(op)}`,
  interfaces: (op) => [op.bridge, op.port],
  phase: () => PHASES.join,
  validate(op, c) {
    if (!needOvs(c)) return;
    if (!needOvsBridge(c, op.bridge)) return;
    checkNewPort(c, portOf(op), { strict: true });
    if (op.key !== undefined && op.key > TUNNEL_KEY_MAX[op.type]) c.errors.push(`A ${op.type === 'gre' ? 'GRE key' : `${op.type === 'vxlan' ? 'VXLAN' : 'Geneve'} VNI`} is 0-${TUNNEL_KEY_MAX[op.type]}; ${op.key} is too large.`);
    if (op.type === 'gre' && op.dstPort !== undefined) c.errors.push('GRE runs over IP, not UDP: a GRE tunnel has no UDP port (dstPort).');
    // OVS refuses a second tunnel with the same endpoints, key and port ("same config as port …").
    const key = op.key !== undefined ? String(op.key) : null;
    for (const [, { bridge, iface }] of ovsIndex(c.t).byInterface) {
      if (iface.type === op.type && iface.remote === op.remote && iface.local === null && iface.key === key && udpPortOf(iface.type, iface.dstPort) === udpPortOf(op.type, op.dstPort ?? null))
        c.errors.push(`${iface.name} on ${bridge.name} already tunnels ${op.type} to ${op.remote}${key !== null ? ` with key ${key}` : ''}; Open vSwitch takes only one tunnel with the same far end, key and port. Give this one another key.`);
    }
  },
  warnings(op, before) {
    // A kernel VXLAN device on the same UDP port holds it: OVS's own device for the port cannot open it.
    const port = udpPortOf(op.type, op.dstPort ?? null);
    if (op.type !== 'vxlan' || port === null) return [];
    const datapathDevice = `vxlan_sys_${port}`;
    const holder = before.interfaces.find((i) => i.kind === 'vxlan' && i.name !== datapathDevice && i.vxlan?.port === port);
    if (!holder || before.interfaces.some((i) => i.name === datapathDevice)) return [];
    return [`${holder.name} already uses UDP port ${port} for VXLAN: Open vSwitch may fail to open it for ${op.port} ("Address already in use"); give ${op.port} another dstPort.`];
  },
  project: (op, t) => withBridgeChanged(t, op.bridge, (b) => bridgeWithPort(b, portOf(op))),
  render: (op) => [cmd(vsctl(...addPortWords(op.bridge, portOf(op))), [vsctl('del-port', op.bridge, op.port)])],
  invert: (op) => [{ kind: 'removeOvsPort', bridge: op.bridge, port: op.port }],
  verify: (op, intended, after) => portDifferences(op.port, intended, after),
});
