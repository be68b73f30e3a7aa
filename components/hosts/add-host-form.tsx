'use client';

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage, fieldErrors } from '@/components/ui/error-message';
import { Field, TextInput } from '@/components/ui/field';
import { Fingerprint } from '@/components/hosts/fingerprint';

/**
 * Adding a host is two steps: scan (learn the key the host presents, nothing is saved), then
 * confirm the fingerprint and save. The server scans again and pins only the confirmed key.
 */
export function AddHostForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [address, setAddress] = useState('');
  const [port, setPort] = useState('22');
  const [name, setName] = useState('');
  const [username, setUsername] = useState('root');
  const [useSudo, setUseSudo] = useState(false);
  const [labels, setLabels] = useState('');

  const scan = useMutation(trpc.hosts.scanKey.mutationOptions());
  const create = useMutation(
    trpc.hosts.create.mutationOptions({
      onSuccess: async () => {
        scan.reset();
        setAddress('');
        setName('');
        setLabels('');
        await queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
      },
    }),
  );
  const scanned = scan.data;
  const scanErrors = fieldErrors(scan.error);
  const createErrors = fieldErrors(create.error);

  return (
    <Card title="Add a hypervisor">
      <form
        className="grid gap-4 sm:grid-cols-[1fr_8rem_auto] sm:items-end"
        onSubmit={(e) => {
          e.preventDefault();
          create.reset();
          scan.mutate({ address, port: Number(port) });
        }}
      >
        <Field label="Address" error={scanErrors.address} hint="IP address or DNS name of the hypervisor">
          <TextInput name="address" value={address} onChange={(e) => setAddress(e.target.value)} required autoComplete="off" />
        </Field>
        <Field label="SSH port" error={scanErrors.port}>
          <TextInput name="port" value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" required />
        </Field>
        <Button type="submit" variant="secondary" disabled={scan.isPending}>
          {scan.isPending ? 'Connecting…' : 'Test connection'}
        </Button>
      </form>
      {scan.error && (
        <div className="mt-4">
          <ErrorMessage error={scan.error} />
        </div>
      )}
      {scanned && (
        <form
          className="mt-6 space-y-4 border-t border-slate-200 pt-5"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({
              name,
              address,
              port: Number(port),
              username,
              useSudo,
              labels: labels.split(/[\s,]+/).filter(Boolean),
              confirmedFingerprint: scanned.fingerprint,
            });
          }}
        >
          <div className="rounded-md border border-sky-200 bg-sky-50 p-4 text-sm text-slate-800">
            <p>
              {address}:{port} presents this {scanned.keyType} host key:
            </p>
            <p className="mt-2">
              <Fingerprint value={scanned.fingerprint} testId="scanned-fingerprint" />
            </p>
            <p className="mt-2 text-xs text-slate-600">
              Compare it with what the host itself prints for{' '}
              <code className="font-mono">ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> (on its console, not over
              this network). Adding the host pins this key; any other key will be refused.
            </p>
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Name" error={createErrors.name} hint="How the panel shows this host, e.g. hv-3">
              <TextInput name="name" value={name} onChange={(e) => setName(e.target.value)} required />
            </Field>
            <Field label="SSH user" error={createErrors.username}>
              <TextInput name="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
            </Field>
            <Field label="Labels" error={createErrors.labels} hint="Optional, separated by spaces or commas">
              <TextInput name="labels" value={labels} onChange={(e) => setLabels(e.target.value)} />
            </Field>
            <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
              <input type="checkbox" name="useSudo" checked={useSudo} onChange={(e) => setUseSudo(e.target.checked)} />
              Run commands through <code className="font-mono">sudo -n</code> (for a non-root user)
            </label>
          </div>
          {create.error && <ErrorMessage error={create.error} />}
          <div className="flex gap-3">
            <Button type="submit" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Confirm fingerprint and add host'}
            </Button>
            <Button type="button" variant="secondary" onClick={() => scan.reset()}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}
