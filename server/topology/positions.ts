// Where a user put the nodes of a host's graph. Only positions the user dragged are stored;
// the rest come from the automatic layout.
import { z } from 'zod';
import type { Db } from '@/server/db/client';
import { AppError } from '@/server/errors';

/** More nodes than the largest host draws; a bound so nobody can store megabytes per host. */
export const MAX_POSITIONS = 5_000;

export const ZPositions = z
  .record(
    z.string().max(200).regex(/^(if|vm|net):[^\s]+$/, 'node ids look like if:eth0, vm:web1 or net:default'),
    z.object({ x: z.number().finite().min(-1e6).max(1e6), y: z.number().finite().min(-1e6).max(1e6) }),
  )
  .refine((p) => Object.keys(p).length <= MAX_POSITIONS, `at most ${MAX_POSITIONS} positions`);

export type Positions = z.infer<typeof ZPositions>;

export async function getPositions(db: Db, userId: string, hostId: string): Promise<Positions> {
  const row = await db.graphLayout.findUnique({ where: { userId_hostId: { userId, hostId } } });
  return row ? (JSON.parse(row.positions) as Positions) : {};
}

/** Merges the moved nodes into what the user had; `reset` forgets them all. */
export async function savePositions(db: Db, userId: string, hostId: string, moved: Positions, reset = false): Promise<Positions> {
  if (!(await db.host.findUnique({ where: { id: hostId }, select: { id: true } }))) {
    throw new AppError('NOT_FOUND', { userMessage: 'That host does not exist (any more), so there is no graph to arrange. Reload the page.' });
  }
  const merged = reset ? {} : { ...(await getPositions(db, userId, hostId)), ...moved };
  if (Object.keys(merged).length > MAX_POSITIONS) {
    throw new AppError('BAD_INPUT', { userMessage: `A graph keeps at most ${MAX_POSITIONS} dragged positions; use "Reset layout" to start again.` });
  }
  await db.graphLayout.upsert({
    where: { userId_hostId: { userId, hostId } },
    create: { userId, hostId, positions: JSON.stringify(merged) },
    update: { positions: JSON.stringify(merged) },
  });
  return merged;
}
