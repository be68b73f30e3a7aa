import { z } from 'zod';
import { cmd, existing, joinMaster, link, restorePortVlans } from '../commands';
import { ZIfName } from '../fields';
import { leftBond, updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';

export const unsetMasterSchema = z.object({ kind: z.literal('unsetMaster'), dev: ZIfName });

export const unsetMaster = defineKind({
  schema: unsetMasterSchema,
  describe: (op) => `disconnect ${op.dev} from its bridge or bond`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.remove,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (dev && !dev.master) c.errors.push(`${op.dev} is not a port of any bridge or bond.`);
    c.notVmOwned(dev);
  },
  project(op, t) {
    const byName = new Map(t.interfaces.map((i) => [i.name, i]));
    const bond = byName.get(byName.get(op.dev)?.master ?? '');
    if (bond?.kind !== 'bond') return updateInterface(t, op.dev, (i) => ({ ...i, master: null, bridgePort: null }));
    // The last member gone, the bond gets a random MAC (unless it was given one): unknown.
    const last = !t.interfaces.some((i) => i.master === bond.name && i.name !== op.dev);
    const left = updateInterface(t, op.dev, leftBond);
    return last ? updateInterface(left, bond.name, (i) => ({ ...i, mac: null })) : left;
  },
  render(op, t) {
    const dev = existing(t, op.dev);
    const master = t.interfaces.find((i) => i.name === dev.master);
    return [cmd(link(op.dev, 'nomaster'), [...joinMaster(dev, master), ...restorePortVlans(op.dev, dev, master)])];
  },
  invert(op, before) {
    const i = before.interfaces.find((x) => x.name === op.dev);
    if (!i?.master) return [];
    const master = before.interfaces.find((x) => x.name === i.master);
    return [
      { kind: 'setMaster', dev: op.dev, master: i.master },
      ...(master?.bridge?.vlanFiltering && i.bridgePort ? [{ kind: 'setBridgeVlans' as const, dev: op.dev, vlans: i.bridgePort.vlans }] : []),
    ];
  },
});
