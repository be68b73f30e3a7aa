import type { Metadata } from 'next';
import { ChangePasswordForm } from '@/components/account/change-password-form';
import { Card } from '@/components/ui/card';
import { requirePageUser } from '@/server/auth/page-session';
import { ROLE_DESCRIPTIONS } from '@/server/auth/roles';

export const metadata: Metadata = { title: 'Your account' };

export default async function AccountPage() {
  const user = await requirePageUser();
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Your account</h1>
      <Card title={user.username}>
        <p className="text-sm text-slate-700">
          Role <strong>{user.role}</strong>: {ROLE_DESCRIPTIONS[user.role]} Only an admin can change roles.
        </p>
      </Card>
      <ChangePasswordForm />
    </div>
  );
}
