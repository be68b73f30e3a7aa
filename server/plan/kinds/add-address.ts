import { z } from 'zod';
import { isLoopback, sameAddress } from '../address';
import { addr, cmd } from '../commands';
import { ZAssignableCidr, ZIfName } from '../fields';
import { addressOf, updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { dhcpRangeHolding } from '../libvirt';

export const addAddressSchema = z.object({ kind: z.literal('addAddress'), dev: ZIfName, address: ZAssignableCidr });

export const addAddress = defineKind({
  schema: addAddressSchema,
  describe: (op) => `add address ${op.address} to ${op.dev}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.address,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (!dev) return;
    const [address] = op.address.split('/');
    const holder = c.t.interfaces.find((i) => i.addresses.some((a) => sameAddress(a.address, address!)));
    if (holder) c.errors.push(`${address} is already on ${holder.name}; an address may be on the host only once.`);
    if (dev.master && c.byName.get(dev.master)?.kind === 'bond') c.errors.push(`${op.dev} is a member of bond ${dev.master}; put the address on the bond.`);
    const range = dhcpRangeHolding(c.t, address!);
    if (range) c.errors.push(`${address} is inside network ${range.network}'s DHCP range ${range.start}-${range.end}: dnsmasq could hand it to a VM too. Pick an address outside the range.`);
    if (isLoopback(op.address) && dev.kind !== 'loopback') c.errors.push(`${address} is a loopback address; only lo may have one (on ${op.dev} it would capture the host's own local traffic).`);
  },
  project: (op, t) => updateInterface(t, op.dev, (i) => ({ ...i, addresses: [...i.addresses, { ...addressOf(op.address), scope: 'global', dynamic: false }] })),
  render: (op) => [cmd(addr('add', op.address, op.dev), [addr('del', op.address, op.dev)])],
  invert: (op) => [{ kind: 'removeAddress', dev: op.dev, address: op.address }],
});
