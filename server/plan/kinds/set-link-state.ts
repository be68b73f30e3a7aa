import { z } from 'zod';
import { addr, cmd, existing, link, routeArgv } from '../commands';
import { ZIfName } from '../fields';
import { updateInterface } from '../interface-edits';
import { defineKind, PHASES } from '../kind';
import { flushedByLinkDown } from '../restore';

export const setLinkStateSchema = z.object({ kind: z.literal('setLinkState'), dev: ZIfName, up: z.boolean() });

export const setLinkState = defineKind({
  schema: setLinkStateSchema,
  describe: (op) => `set ${op.dev} ${op.up ? 'up' : 'down'}`,
  interfaces: (op) => [op.dev],
  // Down with what is taken away first; up last, so nothing carries traffic half-configured.
  phase: (op) => (op.up ? PHASES.linkUp : PHASES.remove),
  validate(op, c) {
    const dev = c.need(op.dev);
    if (dev?.kind === 'loopback' && !op.up) c.errors.push('Setting loopback down breaks local services; Switchboard will not do it.');
  },
  project(op, t) {
    if (op.up) return updateInterface(t, op.dev, (i) => ({ ...i, adminUp: true }));
    // Down: the kernel drops every route via the link and its IPv6 addresses (restore.ts).
    const gone = new Set(flushedByLinkDown(t, op.dev).ipv6.map((a) => `${a.address}/${a.prefixLength}`));
    const down = updateInterface(t, op.dev, (i) => ({ ...i, adminUp: false, addresses: i.addresses.filter((a) => !gone.has(`${a.address}/${a.prefixLength}`)) }));
    return { ...down, routes: down.routes.filter((r) => r.dev !== op.dev) };
  },
  render(op, t) {
    const was = existing(t, op.dev).adminUp;
    if (op.up) return [cmd(link(op.dev, 'up'), [link(op.dev, was ? 'up' : 'down')])];
    const { ipv6, routes } = flushedByLinkDown(t, op.dev);
    return [cmd(link(op.dev, 'down'), [link(op.dev, was ? 'up' : 'down'), ...ipv6.map((a) => addr('add', `${a.address}/${a.prefixLength}`, op.dev)), ...routes.map(routeArgv)])];
  },
  invert(op, before) {
    const up = before.interfaces.find((i) => i.name === op.dev)?.adminUp ?? false;
    if (op.up) return [{ kind: 'setLinkState', dev: op.dev, up }];
    const { ipv6, routes } = flushedByLinkDown(before, op.dev);
    return [
      { kind: 'setLinkState', dev: op.dev, up },
      ...ipv6.map((a) => ({ kind: 'addAddress' as const, dev: op.dev, address: `${a.address}/${a.prefixLength}` })),
      ...(routes.length ? [{ kind: 'restoreRoutes' as const, dev: op.dev, routes }] : []),
    ];
  },
});
