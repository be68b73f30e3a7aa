'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';

export function SshKeyCard() {
  const trpc = useTRPC();
  const identity = useQuery(trpc.panel.sshIdentity.queryOptions());
  const [copied, setCopied] = useState(false);

  if (identity.error) return <ErrorMessage error={identity.error} />;
  if (!identity.data) return <Card title="Panel SSH key">Loading…</Card>;
  const { authorizedKeysLine, fingerprint } = identity.data;

  async function copy() {
    await navigator.clipboard.writeText(authorizedKeysLine);
    setCopied(true);
  }

  return (
    <Card title="Key for hypervisors" actions={<Button variant="secondary" onClick={copy}>{copied ? 'Copied' : 'Copy line'}</Button>}>
      <p className="mb-3 text-sm text-slate-700">
        The panel connects to hypervisors with this key. On each hypervisor, append this line to the
        connecting user&apos;s <code className="font-mono">~/.ssh/authorized_keys</code>:
      </p>
      <pre data-testid="authorized-keys-line" className="overflow-x-auto rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
        {authorizedKeysLine}
      </pre>
      <p className="mt-3 text-sm text-slate-600">
        Fingerprint <code className="font-mono">{fingerprint}</code>. The private key never leaves the panel and is
        stored encrypted.
      </p>
    </Card>
  );
}
