// What both ends of an apply do once the runner is done (apply.ts when it saw the end itself,
// recovery.ts when it read the journal): read the host again, and take the applied operations
// out of the draft.
import type { Db } from '@/server/db/client';
import { isAppError } from '@/server/errors';
import type { SshPool } from '@/server/ssh/pool';
import type { Topology } from '@/server/topology/model';
import { refreshHost, type RefreshOptions } from '@/server/topology/refresh';
import { publish } from '@/server/live/hub';

export interface AfterRead {
  after: Topology | null;
  readError: string | null;
  /** Tells open views of the read (when it was held: `holdAnnouncement`). */
  announce: () => void;
}

/**
 * The host as it is now, or why it could not be read (never throws for an SSH failure).
 * `kernelOver` and `holdAnnouncement` as for refreshHost.
 */
export async function readHostAfterChange(db: Db, pool: SshPool, hostId: string, opts: Pick<RefreshOptions, 'kernelOver' | 'holdAnnouncement'> = {}): Promise<AfterRead> {
  try {
    const read = await refreshHost(db, pool, hostId, { afterOwnChange: true, ...opts });
    return { after: read.topology, readError: null, announce: read.announce };
  } catch (err) {
    return { after: null, readError: isAppError(err) ? err.userMessage : String(err), announce: () => undefined };
  }
}

/** Applied operations leave the draft; `draftIds` is the JSON list stored on the change. */
export async function removeAppliedDrafts(db: Db, hostId: string, draftIds: string): Promise<void> {
  await db.draftOperation.deleteMany({ where: { id: { in: JSON.parse(draftIds) as string[] } } });
  publish({ kind: 'draft', hostId });
}
