import { z } from 'zod';
import { cmdWithDocuments, cmd, virsh } from '../commands';
import { ZIfName } from '../fields';
import { addInterfaces, newInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import {
  bridgeFor,
  checkNetworkSettings,
  CREATABLE_MODES,
  hasRates,
  MODE_WORDS,
  modelBandwidth,
  modelIps,
  needLibvirt,
  networkDifferences,
  networkBandwidthInWords,
  networkDocument,
  networkNamed,
  networkSettingsFields,
  OWN_BRIDGE_MODES,
  ZNetworkName,
  type NetworkSpec,
} from '../libvirt';
import { networkWith } from '@/server/topology/model';
import { withArticle } from '@/server/topology/words';

export const createNetworkSchema = z.object({
  kind: z.literal('createNetwork'),
  name: ZNetworkName,
  mode: z.enum(CREATABLE_MODES, { error: `A network's mode is one of ${CREATABLE_MODES.join(', ')}.` }),
  /** Its own bridge (nat, route, open, isolated; a free virbrN when not given), or the existing bridge it uses (bridge). */
  bridge: ZIfName.optional(),
  /** The host devices a macvtap pool (private, vepa, passthrough, or bridge without a Linux bridge) hands out. */
  devices: z.array(ZIfName).max(32, 'At most 32 devices.').optional(),
  ...networkSettingsFields,
  /** Started now (libvirt's net-start). */
  active: z.boolean().default(true),
  /** Started at boot. */
  autostart: z.boolean().default(true),
});

type CreateNetwork = z.output<typeof createNetworkSchema>;

const specOf = (op: CreateNetwork, bridge: string | null): NetworkSpec => ({ ...op, bridge, devices: op.devices ?? [] });

export const createNetwork = defineKind({
  schema: createNetworkSchema,
  describe(op) {
    const v4 = op.ipv4 ? `, ${op.ipv4.address}/${op.ipv4.prefixLength}` : '';
    const dhcp = op.ipv4?.dhcpRanges.length ? `, DHCP ${op.ipv4.dhcpRanges.map((r) => `${r.start}-${r.end}`).join(', ')}` : '';
    const on = op.mode === 'bridge' && op.bridge ? ` on ${op.bridge}` : op.devices?.length ? ` over ${op.devices.join(', ')}` : '';
    const limits = hasRates(op.bandwidth) ? `, ${networkBandwidthInWords(op.bandwidth)}` : '';
    return `create ${MODE_WORDS[op.mode]} network ${op.name}${on}${v4}${dhcp}${limits}${op.active ? '' : ' (not started)'}`;
  },
  interfaces: (op) => [...(op.bridge ? [op.bridge] : []), ...(op.devices ?? [])],
  phase: () => PHASES.create,
  validate(op, c) {
    if (!needLibvirt(c)) return;
    if (networkNamed(c.t, op.name)) c.errors.push(`A libvirt network named ${op.name} already exists on this host.`);
    const bridge = bridgeFor(op, c.t);
    if (OWN_BRIDGE_MODES.includes(op.mode)) {
      if (op.devices?.length) c.errors.push(`A ${MODE_WORDS[op.mode]} network has its own bridge; it takes no devices.`);
      if (op.bridge) {
        c.free(op.bridge);
        const other = c.t.networks.find((n) => n.bridge === op.bridge);
        if (other) c.errors.push(`Bridge ${op.bridge} is already network ${other.name}'s.`);
      }
      if (op.mode === 'nat' && !op.ipv4) c.errors.push(`A NAT network needs an IPv4 address: VMs are translated to the host's address from it.`);
      if (op.mode === 'route' && !op.ipv4 && !op.ipv6) c.errors.push(`A routed network needs an address, the gateway the host routes its VMs through.`);
    } else {
      if (op.ipv4 || op.ipv6 || op.domain) c.errors.push(`A ${MODE_WORDS[op.mode]} network connects VMs to the host's own LAN; it takes no addresses, DHCP or domain of its own.`);
      if (op.mode === 'bridge' && op.bridge) {
        const br = c.need(op.bridge, 'bridge');
        if (br && br.kind !== 'bridge' && br.rawKind !== 'openvswitch') c.errors.push(`${op.bridge} is ${withArticle(br.kind)}, not a bridge; a bridged network needs a Linux or Open vSwitch bridge.`);
        if (op.devices?.length) c.errors.push('A bridged network uses either a bridge or macvtap devices, not both.');
      } else {
        if (!op.devices?.length) c.errors.push(`A ${MODE_WORDS[op.mode]} network needs ${op.mode === 'bridge' ? 'a bridge or ' : ''}at least one host device to hand out.`);
        for (const d of op.devices ?? []) {
          const dev = c.need(d, 'device');
          if (dev?.kind === 'bridge' || dev?.kind === 'loopback') c.errors.push(`${d} is ${withArticle(dev.kind)}; macvtap needs a physical NIC, bond or VLAN.`);
        }
      }
    }
    if (op.natPorts && op.mode !== 'nat') c.errors.push('NAT ports apply to a NAT network only.');
    checkNetworkSettings(c, op.name, op);
    if (bridge === null && OWN_BRIDGE_MODES.includes(op.mode)) c.errors.push('No bridge name is free for the network.');
  },
  project(op, t) {
    const bridge = bridgeFor(op, t);
    const network = networkWith(op.name, '', op.mode, { bridge, active: op.active, autostart: op.autostart, persistent: true, mtu: op.mtu ?? null, forwardDevices: op.devices ?? [], bandwidth: modelBandwidth(op.bandwidth), ips: modelIps(op) });
    const withNetwork = { ...t, networks: [...t.networks, network].sort((a, b) => a.name.localeCompare(b.name)) };
    if (!op.active || !bridge || !OWN_BRIDGE_MODES.includes(op.mode)) return withNetwork;
    // libvirt makes the bridge up, with STP, and gives it the network's addresses.
    const addresses = network.ips.map((ip) => ({ family: ip.family === 'ipv4' ? ('inet' as const) : ('inet6' as const), address: ip.address, prefixLength: ip.prefixLength, scope: 'global', dynamic: false }));
    return addInterfaces(withNetwork, newInterface(bridge, 'bridge', { adminUp: true, mtu: op.mtu ?? 1500, bridge: { stp: true, vlanFiltering: false, forwardDelayCs: 0, vlans: [] }, addresses }));
  },
  render(op, t) {
    const bridge = bridgeFor(op, t);
    return [
      cmdWithDocuments(virsh('net-define', '@doc1'), [virsh('net-undefine', op.name)], [{ shape: 'libvirt-network', text: networkDocument(specOf(op, bridge)) }]),
      ...(op.autostart ? [cmd(virsh('net-autostart', op.name), [virsh('net-autostart', '--disable', op.name)])] : []),
      ...(op.active ? [cmd(virsh('net-start', op.name), [virsh('net-destroy', op.name)])] : []),
    ];
  },
  invert: (op) => [{ kind: 'deleteNetwork', name: op.name }],
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
