import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { TopologyView, type InitialGraphData } from '@/components/topology/topology-view';
import { HostStatusBadge } from '@/components/hosts/host-status';
import { requirePageUser } from '@/server/auth/page-session';
import { getDb, type Db } from '@/server/db/client';
import { getHost } from '@/server/hosts/hosts';
import { isAppError } from '@/server/errors';
import { getDraft } from '@/server/changes/drafts';
import { getPositions } from '@/server/topology/positions';
import { currentTopology } from '@/server/topology/refresh';

export const metadata: Metadata = { title: 'Host network' };

/** The graph's first data; should one read fail, the page opens without it and the queries say what went wrong. */
async function readInitialGraph(db: Db, userId: string, hostId: string): Promise<InitialGraphData | undefined> {
  const readAt = Date.now();
  try {
    const [latest, positions, draft] = await Promise.all([currentTopology(db, hostId), getPositions(db, userId, hostId), getDraft(db, hostId)]);
    return JSON.parse(JSON.stringify({ latest, positions, draft, readAt })) as InitialGraphData;
  } catch {
    return undefined;
  }
}

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser();
  const { id } = await params;
  const db = await getDb();
  const host = await getHost(db, id).catch((err: unknown) => {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  });
  // What the graph is drawn from (the last stored read, this user's node positions and the
  // host's draft), read here so that the page arrives with it instead of asking after it has
  // started: half of a warm load went to that round trip (bench:push). The same services and role
  // as the three queries (topology.latest, topology.positions and changes.draft: any signed-in
  // user), in the form they would answer in.
  const initial = await readInitialGraph(db, user.id, host.id);
  return (
    <TopologyView
      hostId={host.id}
      initial={initial}
      heading={
        <div className="mr-2 flex items-baseline gap-2">
          <Link href="/hosts" className="text-sm text-slate-500 hover:text-slate-900">
            Hypervisors
          </Link>
          <span className="text-slate-400">/</span>
          <h1 className="text-lg font-semibold">{host.name}</h1>
          <span className="text-sm text-slate-500">
            {host.address}:{host.port}
          </span>
          <HostStatusBadge status={host.status} />
        </div>
      }
    />
  );
}
