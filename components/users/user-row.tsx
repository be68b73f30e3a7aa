'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { errorText } from '@/components/ui/error-message';
import { ROLES, type Role } from '@/server/auth/roles';
import type { RouterOutputs } from '@/components/trpc/types';
import { isoDate } from '@/components/ui/date-words';
import { ResetPasswordDialog } from '@/components/users/reset-password-dialog';

type ListedUser = RouterOutputs['users']['list'][number];

export function UserRow({ user, isSelf }: { user: ListedUser; isSelf: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const handlers = {
    onError: (e: unknown) => setError(errorText(e)),
    onSuccess: async () => {
      setError(null);
      await refresh();
    },
  };
  const setRole = useMutation(trpc.users.setRole.mutationOptions(handlers));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions(handlers));
  const remove = useMutation(trpc.users.delete.mutationOptions(handlers));
  const unlock = useMutation(trpc.users.unlock.mutationOptions(handlers));
  const [resetting, setResetting] = useState(false);

  return (
    <tr className="border-t border-slate-100 align-top" data-testid={`user-${user.username}`}>
      <td className="py-2 pr-4 font-medium">
        {user.username}
        {isSelf && <span className="ml-2 text-xs text-slate-500">(you)</span>}
        {error && <p role="alert" className="mt-1 text-xs font-normal text-red-700">{error}</p>}
        {notice && (
          <p role="status" data-testid="user-notice" className="mt-1 text-xs font-normal text-emerald-700">
            {notice}
          </p>
        )}
      </td>
      <td className="py-2 pr-4">
        <select
          aria-label={`Role of ${user.username}`}
          className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
          value={user.role}
          disabled={setRole.isPending}
          onChange={(e) => setRole.mutate({ userId: user.id, role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td className="py-2 pr-4 text-sm">
        {user.disabled ? <span className="text-red-700">disabled</span> : 'active'}
        {user.lockedFrom.length > 0 && (
          <span data-testid="locked" className="ml-2 text-amber-800" title={`Locked out from ${user.lockedFrom.join(', ')}`}>
            locked out from {user.lockedFrom.length === 1 ? user.lockedFrom[0] : `${user.lockedFrom.length} addresses`}
          </span>
        )}
      </td>
      <td className="py-2 pr-4 text-sm text-slate-500">{isoDate(new Date(user.createdAt))}</td>
      <td className="flex flex-wrap gap-2 py-2">
        <Button variant="secondary" onClick={() => setResetting(true)}>
          Reset password
        </Button>
        <ResetPasswordDialog
          open={resetting}
          onClose={() => setResetting(false)}
          user={user}
          onDone={(message) => {
            setError(null);
            setNotice(message);
          }}
        />
        {user.lockedFrom.length > 0 && (
          <Button variant="secondary" onClick={() => unlock.mutate({ userId: user.id })} disabled={unlock.isPending}>
            Unlock
          </Button>
        )}
        {!isSelf && (
          <Button variant="secondary" onClick={() => setDisabled.mutate({ userId: user.id, disabled: !user.disabled })}>
            {user.disabled ? 'Enable' : 'Disable'}
          </Button>
        )}
        {!isSelf && (
          <Button
            variant="danger"
            onClick={() => {
              if (window.confirm(`Delete ${user.username}? This cannot be undone.`)) remove.mutate({ userId: user.id });
            }}
          >
            Delete
          </Button>
        )}
      </td>
    </tr>
  );
}
