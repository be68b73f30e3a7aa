'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { errorText } from '@/components/ui/error-message';
import { Modal } from '@/components/ui/modal';
import { MIN_PASSWORD_LENGTH, newPasswordProblem } from '@/components/users/new-password';

/**
 * Sets another user's password: typed twice, checked before it is sent, and a clear result.
 * The server signs the user out everywhere.
 */
export function ResetPasswordDialog({ open, onClose, user, onDone }: { open: boolean; onClose: () => void; user: { id: string; username: string }; onDone: (message: string) => void }) {
  const trpc = useTRPC();
  const [password, setPassword] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => {
        onDone(`Password of ${user.username} changed; they were signed out everywhere.`);
        close();
      },
      onError: (e) => setProblem(errorText(e)),
    }),
  );
  function close() {
    setPassword('');
    setConfirmation('');
    setProblem(null);
    onClose();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    const found = newPasswordProblem(password, confirmation);
    setProblem(found);
    if (!found) reset.mutate({ userId: user.id, password });
  }
  return (
    <Modal open={open} onClose={close} title={`Reset the password of ${user.username}`} testId="reset-password-dialog">
      <form onSubmit={submit} className="space-y-3">
        <label className="block text-sm">
          <span className="font-medium text-slate-700">New password</span>
          <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1" />
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">The same password again</span>
          <input type="password" autoComplete="new-password" value={confirmation} onChange={(e) => setConfirmation(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1" />
        </label>
        <p className="text-xs text-slate-500">At least {MIN_PASSWORD_LENGTH} characters. {user.username} is signed out everywhere and signs in with the new one.</p>
        {problem && (
          <p role="alert" className="text-sm text-red-700">
            {problem}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" disabled={reset.isPending}>
            {reset.isPending ? 'Setting…' : 'Set the new password'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
