import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { TopologyView } from '@/components/topology/topology-view';
import { HostStatusBadge } from '@/components/hosts/host-status';
import { requirePageUser } from '@/server/auth/page-session';
import { getDb } from '@/server/db/client';
import { getHost } from '@/server/hosts/hosts';
import { isAppError } from '@/server/errors';

export const metadata: Metadata = { title: 'Host network' };

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser();
  const { id } = await params;
  const host = await getHost(await getDb(), id).catch((err: unknown) => {
    if (isAppError(err) && err.code === 'NOT_FOUND') notFound();
    throw err;
  });
  return (
    <TopologyView
      hostId={host.id}
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
