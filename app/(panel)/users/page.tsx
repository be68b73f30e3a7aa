import type { Metadata } from 'next';
import { UsersAdmin } from '@/components/users/users-admin';
import { Card } from '@/components/ui/card';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Users & roles' };

export default async function UsersPage() {
  const user = await requirePageUser();
  if (user.role !== 'admin') {
    return (
      <Card title="Users & roles">
        <p className="text-sm text-slate-700">Only admins manage users. Ask an admin if you need a different role.</p>
      </Card>
    );
  }
  return <UsersAdmin currentUserId={user.id} />;
}
