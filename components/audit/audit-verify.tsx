'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { DateTime } from '@/components/changes/history-list';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { ErrorMessage } from '@/components/ui/error-message';

/** Walks the whole hash chain on the server; run on demand, never cached as fresh. */
export function AuditVerify() {
  const trpc = useTRPC();
  const verify = useQuery({
    ...trpc.changes.verify.queryOptions(),
    staleTime: 0,
    refetchOnWindowFocus: false,
    retry: false,
  });
  const report = verify.data;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">Audit trail</h1>
        <Button variant="secondary" className="ml-auto" onClick={() => verify.refetch()} disabled={verify.isFetching} data-testid="verify-again">
          {verify.isFetching ? 'Verifying…' : 'Verify again'}
        </Button>
      </div>
      <p className="max-w-3xl text-sm text-slate-600">
        Every record (changes, sign-ins, account and host events) is chained to the one before it by a hash. Verifying reads the whole chain,
        recomputes each hash and checks that every finished change&apos;s listed result matches what its own records say.
      </p>

      {verify.error && <ErrorMessage error={verify.error} />}
      {verify.isPending && !verify.error && <p className="text-sm text-slate-500">Verifying the chain…</p>}

      {report && (
        <>
          <div
            className={`flex flex-wrap items-center gap-4 rounded-lg border p-5 shadow-sm ${
              report.intact ? 'border-emerald-300 bg-emerald-50' : 'border-red-300 bg-red-50'
            } ${verify.isFetching ? 'opacity-60' : ''}`}
          >
            <span
              aria-hidden
              className={`flex h-10 w-10 items-center justify-center rounded-full text-lg font-bold text-white ${report.intact ? 'bg-emerald-600' : 'bg-red-600'}`}
            >
              {report.intact ? '✓' : '!'}
            </span>
            <div>
              <p className={`text-lg font-semibold ${report.intact ? 'text-emerald-900' : 'text-red-900'}`}>
                The chain is <span data-testid="chain-status">{report.intact ? 'intact' : 'broken'}</span>
              </p>
              <p className="text-sm text-slate-700">
                <span data-testid="chain-records">{report.records}</span> record{report.records === 1 ? '' : 's'} checked · <DateTime at={report.checkedAt} />
              </p>
            </div>
          </div>

          {report.problems.length > 0 && (
            <Card title={`Broken links (${report.problems.length})`}>
              <ul className="divide-y divide-red-100 text-sm" data-testid="chain-problems">
                {report.problems.map((p, i) => (
                  <li key={`${p.seq}-${i}`} data-testid="chain-problem" data-seq={p.seq} className="flex gap-3 py-2">
                    <span className="shrink-0 rounded bg-red-100 px-1.5 py-0.5 font-mono text-xs font-medium text-red-900">record #{p.seq}</span>
                    <span className="text-red-900">{p.problem}</span>
                  </li>
                ))}
              </ul>
            </Card>
          )}

          {report.mismatchedChanges.length > 0 && (
            <Card title={`Changes whose status disagrees with their records (${report.mismatchedChanges.length})`}>
              <ul className="divide-y divide-red-100 text-sm" data-testid="mismatched-changes">
                {report.mismatchedChanges.map((m) => (
                  <li key={m.changeId} data-testid="mismatched-change" data-change-id={m.changeId} className="flex flex-wrap gap-3 py-2">
                    <Link href={`/history/${m.changeId}`} className="shrink-0 font-mono text-xs font-medium text-sky-700 hover:text-sky-900">
                      change {m.changeId}
                    </Link>
                    <span className="text-red-900">{m.problem}</span>
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </>
      )}
    </div>
  );
}
