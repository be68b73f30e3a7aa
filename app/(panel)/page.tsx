import { Card } from '@/components/ui/card';
import { requirePageUser } from '@/server/auth/page-session';
import { ROLE_DESCRIPTIONS } from '@/server/auth/roles';

export default async function OverviewPage() {
  const user = await requirePageUser();
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Overview</h1>
      <Card title={`Signed in as ${user.username}`}>
        <p className="text-sm text-slate-700">
          Role <strong>{user.role}</strong>: {ROLE_DESCRIPTIONS[user.role]}
        </p>
        <p className="mt-2 text-sm text-slate-500">Hypervisors and their networks will appear here.</p>
      </Card>
    </div>
  );
}
