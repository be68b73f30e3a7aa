'use client';

import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage, fieldErrors } from '@/components/ui/error-message';
import { Field, TextInput } from '@/components/ui/field';

export function ChangePasswordForm() {
  const trpc = useTRPC();
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: () => {
        setCurrentPassword('');
        setNewPassword('');
        setConfirm('');
      },
    }),
  );
  const mismatch = confirm.length > 0 && confirm !== newPassword;
  const errors = fieldErrors(change.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!mismatch) change.mutate({ currentPassword, newPassword });
  }

  return (
    <Card title="Change your password">
      <form onSubmit={submit} className="max-w-sm space-y-4">
        <Field label="Current password" error={errors.currentPassword}>
          <TextInput name="current-password" type="password" autoComplete="current-password" required value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} />
        </Field>
        <Field label="New password" hint="At least 12 characters." error={errors.newPassword}>
          <TextInput name="new-password" type="password" autoComplete="new-password" required value={newPassword} onChange={(e) => setNewPassword(e.target.value)} />
        </Field>
        <Field label="Repeat new password" error={mismatch ? ['The passwords differ.'] : undefined}>
          <TextInput name="confirm-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </Field>
        {!errors.currentPassword && !errors.newPassword && <ErrorMessage error={change.error} />}
        {change.isSuccess && (
          <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
            Password changed. Your other sessions were signed out.
          </p>
        )}
        <Button type="submit" disabled={change.isPending || mismatch}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </Button>
      </form>
    </Card>
  );
}
