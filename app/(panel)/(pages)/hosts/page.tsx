import type { Metadata } from 'next';
import { HostsAdmin } from '@/components/hosts/hosts-admin';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Hypervisors' };

export default async function HostsPage() {
  const user = await requirePageUser();
  return <HostsAdmin role={user.role} />;
}
