'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage, fieldErrors } from '@/components/ui/error-message';
import { Field, TextInput } from '@/components/ui/field';

export function SetupForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const status = useQuery(trpc.auth.setupStatus.queryOptions({ token }));
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const complete = useMutation(
    trpc.auth.completeSetup.mutationOptions({
      onSuccess: () => {
        router.replace('/');
        router.refresh();
      },
    }),
  );

  if (status.isPending) return <Card title="First-time setup">Checking the setup link…</Card>;
  if (status.error) return <ErrorMessage error={status.error} />;
  if (!status.data.linkValid) {
    return (
      <Card title="Setup link not valid">
        <p className="text-sm text-slate-700">
          {status.data.needsFirstAdmin
            ? 'This link was replaced by a newer one or has expired. Restart the panel and open the link it prints.'
            : 'The first admin has already been created, so this link no longer works.'}
        </p>
        {!status.data.needsFirstAdmin && (
          <a className="mt-4 inline-block text-sm font-medium text-sky-700 underline" href="/sign-in">
            Go to sign in
          </a>
        )}
      </Card>
    );
  }

  const mismatch = confirm.length > 0 && confirm !== password;
  const errors = fieldErrors(complete.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    complete.mutate({ token, username, password });
  }

  return (
    <Card title="Create the first admin">
      <p className="mb-4 text-sm text-slate-600">
        This one-time link creates the administrator account. It stops working once used.
      </p>
      <form onSubmit={submit} className="space-y-4">
        <Field label="Username" error={errors.username}>
          <TextInput name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Password" hint="At least 12 characters." error={errors.password}>
          <TextInput name="password" type="password" autoComplete="new-password" required minLength={12} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Repeat password" error={mismatch ? ['The passwords differ.'] : undefined}>
          <TextInput name="confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </Field>
        {!errors.username && !errors.password && <ErrorMessage error={complete.error} />}
        <Button type="submit" className="w-full" disabled={complete.isPending || mismatch}>
          {complete.isPending ? 'Creating…' : 'Create admin and sign in'}
        </Button>
      </form>
    </Card>
  );
}
