'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage, fieldErrors } from '@/components/ui/error-message';
import { Field, Select, TextInput } from '@/components/ui/field';
import { ROLES, type Role } from '@/server/auth/roles';

export function CreateUserForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async () => {
        setUsername('');
        setPassword('');
        await queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(create.error);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ username, password, role });
  }

  return (
    <Card title="Add a user">
      <form onSubmit={submit} className="grid gap-4 sm:grid-cols-4 sm:items-start">
        <Field label="Username" error={errors.username}>
          <TextInput name="new-username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </Field>
        <Field label="Initial password" hint="At least 12 characters." error={errors.password}>
          <TextInput name="new-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label="Role">
          <Select name="new-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
        </Field>
        <div className="sm:pt-6">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Adding…' : 'Add user'}
          </Button>
        </div>
        {!errors.username && !errors.password && (
          <div className="sm:col-span-4">
            <ErrorMessage error={create.error} />
          </div>
        )}
      </form>
    </Card>
  );
}
