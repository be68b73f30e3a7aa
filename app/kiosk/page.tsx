import type { Metadata } from 'next';
import { Dashboard } from '@/components/dashboard/host-dashboard';
import { parseEverySeconds, parseHostParam } from '@/components/dashboard/every';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Switchboard kiosk' };
export const dynamic = 'force-dynamic';

/** For a wall screen: no navigation, dark, large type, refreshing by itself. Any role may open it. */
export default async function KioskPage({ searchParams }: { searchParams: Promise<{ every?: string; host?: string }> }) {
  await requirePageUser();
  const params = await searchParams;
  const everySeconds = parseEverySeconds(params.every);
  const hostId = parseHostParam(params.host);
  return (
    <div className="dark min-h-screen bg-slate-950 p-6 text-slate-100" data-testid="kiosk">
      <Dashboard everySeconds={everySeconds} hostId={hostId} kiosk />
    </div>
  );
}
