'use client';

import Link from 'next/link';
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useTRPC } from '@/components/trpc/client';
import type { AppRouter } from '@/server/api/root';
import { Button } from '@/components/ui/button';
import { ErrorMessage, fieldErrors } from '@/components/ui/error-message';
import { Field, Select, TextInput } from '@/components/ui/field';
import { CONFIRM_SCOPE_WORDS, CONFIRM_SCOPES, type ConfirmScope } from '@/server/plan/confirmation';
import { Fingerprint } from '@/components/hosts/fingerprint';
import { HostStatusBadge, RelativeTime } from '@/components/hosts/host-status';

type HostView = inferRouterOutputs<AppRouter>['hosts']['list'][number];

export function HostRow({ host, canTest, canManage }: { host: HostView; canTest: boolean; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
  const [mode, setMode] = useState<'view' | 'edit' | 'repin' | 'helpers'>('view');

  const test = useMutation(trpc.hosts.testConnection.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.hosts.remove.mutationOptions({ onSuccess: refresh }));

  return (
    <>
      <tr data-id={`host-${host.name}`} className="border-t border-slate-100 align-top">
        <td className="py-3 pr-4">
          <Link href={`/hosts/${host.id}`} className="font-medium text-sky-700 hover:underline">
            {host.name}
          </Link>
          <div className="text-xs text-slate-500">
            {host.username}@{host.address}:{host.port}
            {host.useHelpers ? ' · least privilege' : host.useSudo && ' · sudo'}
            {` · confirms ${CONFIRM_SCOPE_WORDS[host.confirmScope].toLowerCase()} within ${host.confirmWindowSeconds} s`}
          </div>
          {host.labels.length > 0 && (
            <div className="mt-1 flex flex-wrap gap-1">
              {host.labels.map((l) => (
                <span key={l} className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">
                  {l}
                </span>
              ))}
            </div>
          )}
        </td>
        <td className="py-3 pr-4">
          <HostStatusBadge status={host.status} />
          {host.statusMessage && host.status !== 'reachable' && (
            <p className="mt-1 max-w-sm text-xs text-slate-600" data-testid="host-status-message">
              {host.statusMessage}
            </p>
          )}
        </td>
        <td className="py-3 pr-4 text-sm text-slate-700">
          <RelativeTime at={host.lastContactAt} />
        </td>
        <td className="py-3 pr-4">
          <Fingerprint value={host.hostKeyFingerprint} />
        </td>
        <td className="py-3">
          <div className="flex flex-wrap gap-2">
            {canTest && (
              <Button variant="secondary" onClick={() => test.mutate({ id: host.id })} disabled={test.isPending}>
                {test.isPending ? 'Testing…' : 'Test'}
              </Button>
            )}
            {canManage && (
              <>
                <Button variant="secondary" onClick={() => setMode(mode === 'edit' ? 'view' : 'edit')}>
                  Edit
                </Button>
                <Button variant={host.status === 'key_mismatch' ? 'danger' : 'secondary'} onClick={() => setMode(mode === 'repin' ? 'view' : 'repin')}>
                  Re-pin key
                </Button>
                <Button variant="secondary" onClick={() => setMode(mode === 'helpers' ? 'view' : 'helpers')} data-testid="least-privilege">
                  {host.useHelpers ? 'Reinstall helpers' : 'Least privilege…'}
                </Button>
                <Button
                  variant="danger"
                  disabled={remove.isPending}
                  onClick={() => {
                    if (window.confirm(`Remove ${host.name} from the panel? Its history stays; nothing changes on the host.`)) {
                      remove.mutate({ id: host.id });
                    }
                  }}
                >
                  Remove
                </Button>
              </>
            )}
          </div>
          {(test.error || remove.error) && (
            <div className="mt-2">
              <ErrorMessage error={test.error ?? remove.error} />
            </div>
          )}
        </td>
      </tr>
      {mode === 'edit' && (
        <tr>
          <td colSpan={5} className="pb-4">
            <EditHost host={host} onDone={() => setMode('view')} />
          </td>
        </tr>
      )}
      {mode === 'helpers' && (
        <tr>
          <td colSpan={5} className="pb-4">
            <InstallHelpers host={host} onDone={() => setMode('view')} />
          </td>
        </tr>
      )}
      {mode === 'repin' && (
        <tr>
          <td colSpan={5} className="pb-4">
            <RepinHost host={host} onDone={() => setMode('view')} />
          </td>
        </tr>
      )}
    </>
  );
}

function EditHost({ host, onDone }: { host: HostView; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(host.name);
  const [address, setAddress] = useState(host.address);
  const [port, setPort] = useState(String(host.port));
  const [username, setUsername] = useState(host.username);
  const [useSudo, setUseSudo] = useState(host.useSudo);
  const [labels, setLabels] = useState(host.labels.join(' '));
  const [confirmWindow, setConfirmWindow] = useState(String(host.confirmWindowSeconds));
  const [confirmScope, setConfirmScope] = useState<ConfirmScope>(host.confirmScope);
  const [writeBootConfig, setWriteBootConfig] = useState(host.writeBootConfig);
  const update = useMutation(
    trpc.hosts.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
        onDone();
      },
    }),
  );
  const errors = fieldErrors(update.error);
  return (
    <form
      data-testid="edit-host"
      className="space-y-4 rounded-md border border-slate-200 bg-slate-50 p-4"
      onSubmit={(e) => {
        e.preventDefault();
        update.mutate({
          id: host.id,
          name,
          address,
          port: Number(port),
          username,
          useSudo,
          labels: labels.split(/[\s,]+/).filter(Boolean),
          confirmWindowSeconds: Number(confirmWindow),
          confirmScope,
          writeBootConfig,
        });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label="Name" error={errors.name}>
          <TextInput value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Address" error={errors.address} hint="The pinned key still applies: a different machine is refused">
          <TextInput value={address} onChange={(e) => setAddress(e.target.value)} required />
        </Field>
        <Field label="SSH port" error={errors.port}>
          <TextInput value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" required />
        </Field>
        <Field label="SSH user" error={errors.username}>
          <TextInput value={username} onChange={(e) => setUsername(e.target.value)} required />
        </Field>
        <Field label="Labels" error={errors.labels}>
          <TextInput value={labels} onChange={(e) => setLabels(e.target.value)} />
        </Field>
        <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={useSudo} onChange={(e) => setUseSudo(e.target.checked)} />
          Use <code className="font-mono">sudo -n</code>
        </label>
        <Field label="Wait for the panel's confirmation" error={errors.confirmScope} hint="Without it in time, the host undoes the change itself">
          <Select value={confirmScope} onChange={(e) => setConfirmScope(e.target.value as ConfirmScope)}>
            {CONFIRM_SCOPES.map((s) => (
              <option key={s} value={s}>
                {CONFIRM_SCOPE_WORDS[s]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Confirmation window (seconds)" error={errors.confirmWindowSeconds}>
          <TextInput value={confirmWindow} onChange={(e) => setConfirmWindow(e.target.value)} inputMode="numeric" required />
        </Field>
        <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={writeBootConfig} onChange={(e) => setWriteBootConfig(e.target.checked)} />
          Write the boot configuration with each change
        </label>
      </div>
      {update.error && <ErrorMessage error={update.error} />}
      <div className="flex gap-3">
        <Button type="submit" disabled={update.isPending}>
          Save
        </Button>
        <Button type="button" variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** Re-pinning is deliberate: scan, compare old and new side by side, confirm, recorded. */
function RepinHost({ host, onDone }: { host: HostView; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const scan = useMutation(trpc.hosts.scanKey.mutationOptions());
  const repin = useMutation(
    trpc.hosts.repin.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
        onDone();
      },
    }),
  );
  return (
    <div className="space-y-3 rounded-md border border-red-200 bg-red-50/50 p-4 text-sm">
      <p>
        Pinned key: <Fingerprint value={host.hostKeyFingerprint} />
      </p>
      {!scan.data && (
        <Button variant="secondary" onClick={() => scan.mutate({ address: host.address, port: host.port })} disabled={scan.isPending}>
          {scan.isPending ? 'Connecting…' : 'Fetch the key the host presents now'}
        </Button>
      )}
      {scan.error && <ErrorMessage error={scan.error} />}
      {scan.data && (
        <>
          <p>
            Presented now: <Fingerprint value={scan.data.fingerprint} testId="repin-fingerprint" />
          </p>
          {scan.data.fingerprint === host.hostKeyFingerprint ? (
            <p className="text-slate-700">The host presents the pinned key; there is nothing to re-pin.</p>
          ) : (
            <p className="text-red-800">
              Only re-pin if you know why the key changed (the host was reinstalled or its keys regenerated) and you have
              checked the new fingerprint on the host itself. Otherwise someone may be impersonating it.
            </p>
          )}
          {repin.error && <ErrorMessage error={repin.error} />}
          <div className="flex gap-3">
            {scan.data.fingerprint !== host.hostKeyFingerprint && (
              <Button variant="danger" onClick={() => repin.mutate({ id: host.id, confirmedFingerprint: scan.data!.fingerprint })} disabled={repin.isPending}>
                Pin the new key
              </Button>
            )}
            <Button variant="secondary" onClick={onDone}>
              Cancel
            </Button>
          </div>
        </>
      )}
    </div>
  );
}

/** What least-privilege mode writes and grants on the host, and the confirmed install. */
function InstallHelpers({ host, onDone }: { host: HostView; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const preview = useQuery(trpc.hosts.helpersPreview.queryOptions({ id: host.id }));
  const install = useMutation(
    trpc.hosts.installHelpers.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.hosts.list.queryKey() });
        onDone();
      },
    }),
  );
  const p = preview.data;
  return (
    <div className="space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-4 text-sm" data-testid="helpers-review">
      <h3 className="font-semibold">Least privilege on {host.name}</h3>
      <p className="text-slate-700">
        Instead of running <code>sh</code> as root, the panel installs its three fixed programs as root-owned files and may run only those; it checks each
        one&apos;s sha256 on the host before every use and refuses a copy that differs.
      </p>
      {preview.error && <ErrorMessage error={preview.error} />}
      {p && (
        <>
          <ol className="list-decimal space-y-1 pl-5 text-slate-700">
            {p.steps.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ol>
          {p.sudoers && (
            <div>
              <div className="text-xs text-slate-500">The sudoers rule afterwards</div>
              <pre className="overflow-x-auto rounded bg-white p-2 font-mono text-xs">{p.sudoers}</pre>
            </div>
          )}
          <details>
            <summary className="cursor-pointer text-slate-600">The files ({p.files.map((f) => `${f.path}: ${f.lines} lines`).join(', ')})</summary>
            {p.files.map((f) => (
              <div key={f.path} className="mt-2">
                <div className="font-mono text-xs">
                  {f.path} · sha256 {f.sha256}
                </div>
                <pre className="max-h-64 overflow-auto rounded bg-white p-2 font-mono text-[11px]">{f.content}</pre>
              </div>
            ))}
          </details>
          {p.blocked && <p className="text-amber-800">{p.blocked}</p>}
        </>
      )}
      {install.error && <ErrorMessage error={install.error} />}
      <div className="flex gap-2">
        <Button onClick={() => install.mutate({ id: host.id, confirmed: true })} disabled={!p || p.blocked !== null || install.isPending}>
          {install.isPending ? 'Installing…' : 'Install and switch to least privilege'}
        </Button>
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
