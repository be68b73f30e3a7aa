import { z } from 'zod';
import { closesLoop, ETHERNET_LIKE } from '../checks';
import { cmd, existing, link } from '../commands';
import { ZIfName } from '../fields';
import { defaultPortVlans, joinedBond, updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { withArticle } from '@/server/topology/words';

export const setMasterSchema = z.object({ kind: z.literal('setMaster'), dev: ZIfName, master: ZIfName });

export const setMaster = defineKind({
  schema: setMasterSchema,
  describe: (op) => `connect ${op.dev} to ${op.master}`,
  interfaces: (op) => [op.dev, op.master],
  phase: () => PHASES.join,
  validate(op, c) {
    const dev = c.need(op.dev);
    const master = c.need(op.master, 'bridge or bond');
    if (!dev || !master) return;
    if (master.kind !== 'bridge' && master.kind !== 'bond') c.errors.push(`${op.master} is ${withArticle(master.kind)}; only a bridge or a bond can take ports.`);
    if (dev.master) c.errors.push(`${op.dev} is already a port of ${dev.master}; an interface can be enslaved only once. Disconnect it first.`);
    if (op.dev === op.master || closesLoop(c.t, op.dev, op.master)) c.errors.push(`Connecting ${op.dev} to ${op.master} would make a loop of masters.`);
    if (dev.kind === 'bridge' && master.kind === 'bridge') c.errors.push(`${op.dev} is a bridge; Linux does not let a bridge be a port of another bridge (connect them with a veth pair).`);
    if (dev.kind === 'loopback') c.errors.push('The loopback interface cannot be a port.');
    if (master.kind === 'bond' && !ETHERNET_LIKE.includes(dev.kind)) c.errors.push(`${op.dev} is ${withArticle(dev.kind)}; a bond's members are Ethernet-like interfaces.`);
    c.notLibvirtBridge(dev);
    c.notVmOwned(dev);
    if (dev.addresses.some((a) => !a.dynamic && a.scope === 'global') && master.kind === 'bond') c.errors.push(`${op.dev} has addresses; a bond member loses them. Remove them first.`);
  },
  warnings(op, before) {
    const dev = before.interfaces.find((i) => i.name === op.dev);
    const master = before.interfaces.find((i) => i.name === op.master);
    const kept = dev?.addresses.filter((a) => !a.dynamic && a.scope === 'global') ?? [];
    if (master?.kind !== 'bridge' || !kept.length) return [];
    return [
      `${op.dev} keeps ${kept.map((a) => `${a.address}/${a.prefixLength}`).join(', ')}: as a port of ${op.master} ${kept.length > 1 ? 'those addresses stop' : 'that address stops'} working (the bridge takes its traffic); move ${kept.length > 1 ? 'them' : 'it'} to ${op.master} in the same change.`,
    ];
  },
  project(op, t) {
    const master = t.interfaces.find((i) => i.name === op.master);
    if (master?.kind === 'bond') {
      // A bond without members takes the MAC of its first one, unless it was given its own
      // (udev's MACAddressPolicy does that on most distributions): unknown until read.
      const first = !t.interfaces.some((i) => i.master === op.master);
      const joined = updateInterface(t, op.dev, (i) => joinedBond(i, master));
      return first ? updateInterface(joined, op.master, (i) => ({ ...i, mac: null })) : joined;
    }
    return updateInterface(t, op.dev, (i) => ({ ...i, master: op.master, bridgePort: master?.kind === 'bridge' ? { state: null, vlans: defaultPortVlans(master) } : null }));
  },
  render(op, t) {
    const dev = existing(t, op.dev);
    const master = existing(t, op.master);
    if (master.kind === 'bond' && dev.adminUp) {
      return [cmd(link(op.dev, 'down'), [link(op.dev, 'up')]), cmd(link(op.dev, 'master', op.master), [link(op.dev, 'nomaster')]), cmd(link(op.dev, 'up'), [link(op.dev, 'down')])];
    }
    return [cmd(link(op.dev, 'master', op.master), [link(op.dev, 'nomaster')])];
  },
  invert(op, before) {
    // Leaving a bond closes the member (the bonding driver does); open it again if it was up.
    const iface = (name: string) => before.interfaces.find((i) => i.name === name);
    const wasUp = iface(op.master)?.kind === 'bond' && iface(op.dev)?.adminUp;
    return [{ kind: 'unsetMaster', dev: op.dev }, ...(wasUp ? [{ kind: 'setLinkState' as const, dev: op.dev, up: true }] : [])];
  },
});
