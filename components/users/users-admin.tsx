'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';
import { CreateUserForm } from '@/components/users/create-user-form';
import { UserRow } from '@/components/users/user-row';
import { PermissionMatrix } from '@/components/users/permission-matrix';

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());

  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Users &amp; roles</h1>
      <Card title="Users">
        {users.error && <ErrorMessage error={users.error} />}
        {users.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {users.data && (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="pb-2 pr-4 font-medium">User</th>
                <th className="pb-2 pr-4 font-medium">Role</th>
                <th className="pb-2 pr-4 font-medium">Status</th>
                <th className="pb-2 pr-4 font-medium">Created</th>
                <th className="pb-2 font-medium">Actions</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <UserRow key={user.id} user={user} isSelf={user.id === currentUserId} />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <CreateUserForm />
      <PermissionMatrix />
    </div>
  );
}
