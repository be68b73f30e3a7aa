import type { Metadata } from 'next';
import Link from 'next/link';
import { Dashboard } from '@/components/dashboard/host-dashboard';
import { requirePageUser } from '@/server/auth/page-session';
import { parseEverySeconds, parseHostParam } from '@/components/dashboard/every';
import { HostPicker } from '@/components/dashboard/host-picker';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage({ searchParams }: { searchParams: Promise<{ every?: string; host?: string }> }) {
  await requirePageUser();
  const params = await searchParams;
  const everySeconds = parseEverySeconds(params.every);
  const hostId = parseHostParam(params.host);
  return (
    <div className="space-y-4">
      <div className="flex items-baseline gap-4">
        <h1 className="text-xl font-semibold">Dashboard</h1>
        <HostPicker hostId={hostId} everySeconds={everySeconds} />
        <span className="text-sm text-slate-500">
          Refreshing every {everySeconds} s (set with <code>?every=N</code>).{' '}
          <Link className="text-sky-700 underline" href={`/kiosk?every=${everySeconds}${hostId ? `&host=${encodeURIComponent(hostId)}` : ''}`}>
            Kiosk view
          </Link>
        </span>
      </div>
      <Dashboard everySeconds={everySeconds} hostId={hostId} />
    </div>
  );
}
