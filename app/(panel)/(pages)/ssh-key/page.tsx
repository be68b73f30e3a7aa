import type { Metadata } from 'next';
import { SshKeyCard } from '@/components/panel/ssh-key-card';
import { Card } from '@/components/ui/card';
import { requirePageUser } from '@/server/auth/page-session';

export const metadata: Metadata = { title: 'Panel SSH key' };

export default async function SshKeyPage() {
  const user = await requirePageUser();
  if (user.role !== 'admin') {
    return (
      <Card title="Panel SSH key">
        <p className="text-sm text-slate-700">Only admins set up hypervisor access.</p>
      </Card>
    );
  }
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Panel SSH key</h1>
      <SshKeyCard />
    </div>
  );
}
