import { z } from 'zod';
import { cmd, routeArgv, routeDelArgv } from '../commands';
import { ZIfName, ZRoute } from '../fields';
import { defineKind, PHASES } from '../kind';

/** Routes the kernel flushed with an address or a link, put back by an inverse (not offered in the UI). */
export const restoreRoutesSchema = z.object({ kind: z.literal('restoreRoutes'), dev: ZIfName, routes: z.array(ZRoute).min(1).max(1000) });

export const restoreRoutes = defineKind({
  schema: restoreRoutesSchema,
  describe: (op) => `put back ${op.routes.length === 1 ? `the route to ${op.routes[0]!.dst}` : `${op.routes.length} routes`} via ${op.dev}`,
  interfaces: (op) => [op.dev],
  // After the link is up again: the kernel takes routes only via a live link.
  phase: () => PHASES.routes,
  validate(op, c) {
    if (!c.need(op.dev)) return;
    for (const r of op.routes) {
      if (r.dev !== op.dev) c.errors.push(`The route to ${r.dst} is via ${r.dev ?? 'no interface'}, not ${op.dev}.`);
      if (c.t.routes.some((x) => x.dst === r.dst && x.dev === r.dev && x.metric === r.metric)) c.errors.push(`The route to ${r.dst} via ${op.dev} is already there.`);
    }
  },
  project: (op, t) => ({ ...t, routes: [...t.routes, ...op.routes.map((r) => ({ ...r }))] }),
  render: (op) => op.routes.map((r) => cmd(routeArgv(r), [routeDelArgv(r)])),
  // Restored routes always follow the address or link they depend on in an inverse; undoing
  // that removes the address or the link, and the kernel takes the routes with it.
  invert: () => [],
});
