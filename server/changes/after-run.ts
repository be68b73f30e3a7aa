// What both ends of an apply do once the runner is done (apply.ts when it saw the end itself,
// recovery.ts when it read the journal): read the host again, and take the applied operations
// out of the draft.
import type { Db } from '@/server/db/client';
import { isAppError } from '@/server/errors';
import type { SshPool } from '@/server/ssh/pool';
import type { Topology } from '@/server/topology/model';
import { recordRead, refreshHost, type ProbedRead } from '@/server/topology/refresh';
import { publish } from '@/server/live/hub';

export interface AfterRead {
  after: Topology | null;
  readError: string | null;
  /** Tells open views of the read (when it was held: `holdAnnouncement`). */
  announce: () => void;
}

/** The host as it is now, or why it could not be read (never throws for an SSH failure). */
export async function readHostAfterChange(db: Db, pool: SshPool, hostId: string): Promise<AfterRead> {
  try {
    const read = await refreshHost(db, pool, hostId, { afterOwnChange: true });
    return { after: read.topology, readError: null, announce: read.announce };
  } catch (err) {
    return { after: null, readError: isAppError(err) ? err.userMessage : String(err), announce: () => undefined };
  }
}

/**
 * Stores a read of the host taken once every step ran, as the read after the change; open views
 * hear of it when `announce` is called (after the change's final record).
 */
export async function recordReadAfterChange(db: Db, hostId: string, probed: ProbedRead): Promise<AfterRead> {
  const read = await recordRead(db, hostId, probed, { afterOwnChange: true, holdAnnouncement: true });
  return { after: read.topology, readError: null, announce: read.announce };
}

/** Applied operations leave the draft; `draftIds` is the JSON list stored on the change. */
export async function removeAppliedDrafts(db: Db, hostId: string, draftIds: string): Promise<void> {
  await db.draftOperation.deleteMany({ where: { id: { in: JSON.parse(draftIds) as string[] } } });
  publish({ kind: 'draft', hostId });
}
