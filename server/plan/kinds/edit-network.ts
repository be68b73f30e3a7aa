import { z } from 'zod';
import { defineKind, PHASES } from '../kind';
import {
  checkNetworkSettings,
  cutOff,
  hasRates,
  MODE_WORDS,
  needNetwork,
  networkBandwidthInWords,
  networkDifferences,
  networkDocument,
  networkNamed,
  networkSettingsFields,
  OWN_BRIDGE_MODES,
  ZNetworkName,
} from '../libvirt';
import { networkFrom, redefineCommands, redefined } from './redefine-network';

/**
 * A new definition for a network of libvirt's own bridge (NAT, routed, open, isolated): its
 * mode, addresses, DHCP, domain, MTU, NAT ports or bandwidth. libvirt applies such a change only
 * on a restart, so the network is redefined and restarted, and the running VMs' taps put back.
 * The operation carries every setting (networkSettingsOf gives the ones a form does not change);
 * one left out is dropped from the definition. (Reservations change live: addDhcpHost / removeDhcpHost.)
 */
export const editNetworkSchema = z.object({
  kind: z.literal('editNetwork'),
  name: ZNetworkName,
  mode: z.enum(['nat', 'route', 'open', 'isolated']),
  ...networkSettingsFields,
});
type EditNetwork = z.output<typeof editNetworkSchema>;

/** What the definition keeps that the edit does not name: libvirt's UUID and the bridge's MAC. */
function kept(definition: string): { uuid: string | null; mac: string | null } {
  return { uuid: /<uuid>([0-9a-f-]{36})<\/uuid>/.exec(definition)?.[1] ?? null, mac: /<mac address=['"]([0-9a-f:]{17})['"]/.exec(definition)?.[1] ?? null };
}

function newDefinition(op: EditNetwork, bridge: string, definition: string): string {
  const { uuid, mac } = kept(definition);
  const doc = networkDocument({ ...op, bridge, devices: [] });
  // Same identity: the UUID and the bridge's MAC go in right after the name.
  return doc.replace(/(<name>[^<]*<\/name>\n)/, `$1${uuid ? `  <uuid>${uuid}</uuid>\n` : ''}${mac ? `  <mac address="${mac}"/>\n` : ''}`);
}

export const editNetwork = defineKind({
  schema: editNetworkSchema,
  describe: (op) =>
    `change network ${op.name} to ${MODE_WORDS[op.mode]}${op.ipv4 ? `, ${op.ipv4.address}/${op.ipv4.prefixLength}` : ''}${op.ipv4?.dhcpRanges.length ? `, DHCP ${op.ipv4.dhcpRanges.map((r) => `${r.start}-${r.end}`).join(', ')}` : ''}${hasRates(op.bandwidth) ? `, ${networkBandwidthInWords(op.bandwidth)}` : ''} (redefined and restarted)`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const n = needNetwork(c, op.name);
    if (!n) return;
    if (!OWN_BRIDGE_MODES.includes(n.mode)) c.errors.push(`Network ${op.name} is ${MODE_WORDS[n.mode] ?? n.mode}; only NAT, routed, open and isolated networks are edited here.`);
    if (!n.persistent || n.definition === null) c.errors.push(`Network ${op.name}'s definition could not be read (or it is transient), so an exact undo cannot be planned; refresh the host.`);
    if (n.portgroups.length || n.vlan || n.virtualport) c.errors.push(`Network ${op.name} has settings Switchboard does not edit (portgroups, VLAN or virtual port); a new definition would drop them. Change it with virsh net-edit.`);
    // A read from before bandwidth was read: the form could not have offered to keep it.
    if (n.bandwidth === undefined && /<bandwidth\b/.test(n.definition ?? '')) c.errors.push(`Network ${op.name}'s bandwidth limits were not read (an older read of the host), so an edit could drop them; refresh the host.`);
    if (op.mode === 'nat' && !op.ipv4) c.errors.push('A NAT network needs an IPv4 address: VMs are translated to the host’s address from it.');
    checkNetworkSettings(c, op.name, op);
  },
  project(op, t) {
    const n = networkNamed(t, op.name)!;
    return redefined(t, n, networkFrom(n, newDefinition(op, n.bridge!, n.definition!)));
  },
  render(op, t) {
    const n = networkNamed(t, op.name)!;
    const definition = newDefinition(op, n.bridge!, n.definition!);
    return redefineCommands(t, n, definition, networkFrom(n, definition));
  },
  invert: (op, before) => [{ kind: 'redefineNetwork', name: op.name, definition: networkNamed(before, op.name)!.definition ?? '' }],
  disruption: (op, before) => {
    const n = networkNamed(before, op.name);
    return n?.active ? cutOff(before, n, 'restarts') : null;
  },
  deferred: (op, before) => (networkNamed(before, op.name)?.active ? null : `applies when network ${op.name} next starts (it is stopped)`),
  verify: (op, intended, after) => networkDifferences(op.name, intended, after),
});
