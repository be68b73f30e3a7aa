import { z } from 'zod';
import { sameAddress } from '../address';
import { addr, cmd, existing, routeArgv } from '../commands';
import { ZCidr, ZIfName } from '../fields';
import { addressOf, updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { routesFlushedByRemoval } from '../restore';

// Any address the kernel holds can be removed, also one Switchboard would not assign.
export const removeAddressSchema = z.object({ kind: z.literal('removeAddress'), dev: ZIfName, address: ZCidr });

export const removeAddress = defineKind({
  schema: removeAddressSchema,
  describe: (op) => `remove address ${op.address} from ${op.dev}`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.remove,
  validate(op, c) {
    const dev = c.need(op.dev);
    if (!dev) return;
    const [address, prefix] = op.address.split('/');
    const present = dev.addresses.find((a) => sameAddress(a.address, address!) && a.prefixLength === Number(prefix));
    if (!present) c.errors.push(`${op.dev} has no address ${op.address}.`);
    else if (present.dynamic) c.errors.push(`${op.address} on ${op.dev} was assigned by DHCP or SLAAC; change it where it comes from.`);
  },
  project(op, t) {
    const a = addressOf(op.address);
    // The kernel drops the routes that depended on the address (restore.ts says which).
    const flushed = new Set(routesFlushedByRemoval(t, op.dev, op.address));
    const withoutRoutes = flushed.size ? { ...t, routes: t.routes.filter((r) => !flushed.has(r)) } : t;
    return updateInterface(withoutRoutes, op.dev, (i) => ({ ...i, addresses: i.addresses.filter((x) => !(sameAddress(x.address, a.address) && x.prefixLength === a.prefixLength)) }));
  },
  render(op, t) {
    existing(t, op.dev);
    return [cmd(addr('del', op.address, op.dev), [addr('add', op.address, op.dev), ...routesFlushedByRemoval(t, op.dev, op.address).map(routeArgv)])];
  },
  invert(op, before) {
    const routes = routesFlushedByRemoval(before, op.dev, op.address);
    return [{ kind: 'addAddress', dev: op.dev, address: op.address }, ...(routes.length ? [{ kind: 'restoreRoutes' as const, dev: op.dev, routes }] : [])];
  },
});
