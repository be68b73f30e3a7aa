import { z } from 'zod';
import type { OvsPort } from '@/server/topology/model';
import { cmd } from '../commands';
import { ZIfName, ZVlanId } from '../fields';
import { defineKind, PHASES } from '../kind';
import { addPortWords, bridgeWithPort, checkNewPort, needOvs, needOvsBridge, portDifferences, vlanProblem, vlanSettingInWords, vsctl, withBridgeChanged, ZTrunks } from '../ovs';

/**
 * Adds a port to an Open vSwitch bridge: a kernel interface that exists, or (internal) a new
 * device OVS makes, with an access VLAN (tag) or the VLANs of a trunk. Field names are a stable
 * API (issue 13).
 */
export const addOvsPortSchema = z.object({
  kind: z.literal('addOvsPort'),
  bridge: ZIfName,
  port: ZIfName,
  /** Access VLAN: frames leave the port untagged and enter the bridge tagged with it. */
  tag: ZVlanId.optional(),
  /** The VLANs a trunk carries tagged (ascending, once each). */
  trunks: ZTrunks.optional(),
  /** A new device made by OVS (the host's own leg on the bridge), rather than an existing interface. */
  internal: z.boolean().optional(),
});
type AddOvsPort = z.output<typeof addOvsPortSchema>;

const portOf = (op: AddOvsPort): OvsPort => ({
  name: op.port,
  tag: op.tag ?? null,
  trunks: op.trunks ?? [],
  vlanMode: null,
  bond: null,
  interfaces: [{ name: op.port, type: op.internal ? 'internal' : 'system', remote: null, local: null, key: null, dstPort: null, peer: null, attachedMac: null, error: null }],
});

export const addOvsPort = defineKind({
  schema: addOvsPortSchema,
  describe: (op) => {
    const vlans = vlanSettingInWords(op);
    return `add ${op.internal ? 'internal ' : ''}port ${op.port} to ${op.bridge}${vlans ? ` (${vlans})` : ''}`;
  },
  interfaces: (op) => [op.bridge, op.port],
  phase: () => PHASES.join,
  validate(op, c) {
    if (!needOvs(c)) return;
    if (!needOvsBridge(c, op.bridge)) return;
    checkNewPort(c, portOf(op), { strict: true });
    const vlans = vlanProblem(op.port, op.tag ?? null, op.trunks ?? [], null);
    if (vlans) c.errors.push(vlans);
  },
  warnings(op, before) {
    if (op.internal) return [];
    const kept = before.interfaces.find((i) => i.name === op.port)?.addresses.filter((a) => !a.dynamic && a.scope === 'global') ?? [];
    if (!kept.length) return [];
    return [
      `${op.port} keeps ${kept.map((a) => `${a.address}/${a.prefixLength}`).join(', ')}: as a port of ${op.bridge} ${kept.length > 1 ? 'those addresses stop' : 'that address stops'} working (Open vSwitch takes its traffic); move ${kept.length > 1 ? 'them' : 'it'} to an internal port of ${op.bridge} in the same change.`,
    ];
  },
  project: (op, t) => withBridgeChanged(t, op.bridge, (b) => bridgeWithPort(b, portOf(op))),
  render: (op) => [cmd(vsctl(...addPortWords(op.bridge, portOf(op))), [vsctl('del-port', op.bridge, op.port)])],
  invert: (op) => [{ kind: 'removeOvsPort', bridge: op.bridge, port: op.port }],
  verify: (op, intended, after) => portDifferences(op.port, intended, after),
});
