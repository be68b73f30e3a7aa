import { z } from 'zod';
import { bridgeVlan, cmd, existing } from '../commands';
import { ZBridgeVlan, ZIfName } from '../fields';
import { updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

const vlanKey = (vs: readonly { vid: number; pvid: boolean; untagged: boolean }[]) => vs.map((v) => `${v.vid}${v.pvid ? 'p' : ''}${v.untagged ? 'u' : ''}`).sort().join(',');

export const setBridgeVlansSchema = z.object({ kind: z.literal('setBridgeVlans'), dev: ZIfName, vlans: z.array(ZBridgeVlan).max(4094) });

export const setBridgeVlans = defineKind({
  schema: setBridgeVlansSchema,
  describe: (op) => `set VLANs of port ${op.dev} to ${op.vlans.length ? op.vlans.map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`).join(', ') : 'none'}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.portVlans,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (!dev) return;
    const master = dev.master ? c.byName.get(dev.master) : undefined;
    if (!master || master.kind !== 'bridge') c.errors.push(`${op.dev} is not a bridge port; connect it to a bridge first.`);
    else if (!master.bridge?.vlanFiltering) c.errors.push(`Bridge ${master.name} does not filter VLANs, so port VLANs have no effect; create the bridge with VLAN filtering.`);
    const vids = op.vlans.map((v) => v.vid);
    const dup = vids.find((v, i) => vids.indexOf(v) !== i);
    if (dup !== undefined) c.errors.push(`VLAN ${dup} is listed twice.`);
    if (op.vlans.filter((v) => v.pvid).length > 1) c.errors.push('A port has at most one PVID (the VLAN untagged frames join).');
    // Nothing to run would leave a step that never reports: say so instead.
    if (dev.bridgePort && vlanKey(dev.bridgePort.vlans) === vlanKey(op.vlans)) c.errors.push(`${op.dev} already has exactly these VLANs.`);
  },
  project: (op, t) =>
    updateInterface(t, op.dev, (i) => ({ ...i, bridgePort: { state: i.bridgePort?.state ?? null, vlans: op.vlans.map((v) => ({ vid: v.vid, pvid: v.pvid, untagged: v.untagged })) } })),
  render(op, t) {
    const current = existing(t, op.dev).bridgePort?.vlans ?? [];
    const wanted = new Map(op.vlans.map((v) => [v.vid, v]));
    const had = new Map(current.map((v) => [v.vid, v]));
    const removals = current.filter((v) => !wanted.has(v.vid)).map((v) => cmd(bridgeVlan('del', op.dev, v), [bridgeVlan('add', op.dev, v)]));
    const additions = op.vlans
      .filter((v) => {
        const h = had.get(v.vid);
        return !h || h.pvid !== v.pvid || h.untagged !== v.untagged;
      })
      .map((v) => {
        const h = had.get(v.vid);
        return cmd(bridgeVlan('add', op.dev, v), [h ? bridgeVlan('add', op.dev, h) : bridgeVlan('del', op.dev, v)]);
      });
    return [...removals, ...additions];
  },
  invert: (op, before) => [{ kind: 'setBridgeVlans', dev: op.dev, vlans: before.interfaces.find((i) => i.name === op.dev)?.bridgePort?.vlans ?? [] }],
});
