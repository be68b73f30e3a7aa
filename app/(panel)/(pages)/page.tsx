import { FleetOverview } from '@/components/fleet/fleet-overview';
import { FleetLive } from '@/components/live/live-events';
import { requirePageUser } from '@/server/auth/page-session';

export default async function OverviewPage() {
  const user = await requirePageUser();
  return (
    <FleetLive>
      <FleetOverview role={user.role} />
    </FleetLive>
  );
}
