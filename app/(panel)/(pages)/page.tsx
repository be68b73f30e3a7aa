import { FleetOverview } from '@/components/fleet/fleet-overview';
import { requirePageUser } from '@/server/auth/page-session';

export default async function OverviewPage() {
  const user = await requirePageUser();
  return <FleetOverview role={user.role} />;
}
