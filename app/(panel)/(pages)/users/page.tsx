import type { Metadata } from 'next';
import { NotForYourRole } from '@/components/layout/not-for-role';
import { UsersAdmin } from '@/components/users/users-admin';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Users & roles' };

export default async function UsersPage() {
  const user = await requirePageUser();
  if (user.role !== 'admin') return <NotForYourRole title="Users & roles" who="Only admins" what="manage users" role={user.role} />;
  return <UsersAdmin currentUserId={user.id} />;
}
