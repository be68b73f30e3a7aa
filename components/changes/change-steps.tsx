'use client';

import { CommandDocuments } from './command-documents';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ChangeStatusBadge, LIVE_STATUSES } from '@/components/changes/change-status';
import { useTRPC } from '@/components/trpc/client';
import type { RouterOutputs } from '@/components/trpc/types';
import { ErrorMessage } from '@/components/ui/error-message';
import { useLive } from '@/components/live/live-events';

type Change = RouterOutputs['changes']['get'];
type Step = Change['steps'][number];
type StepStatus = Step['status'] | 'running';

/** Fast enough to watch a step land, slow enough not to matter while one apply runs. */
const POLL_MS = 500;
/** Output lines shown per command; the audit record keeps up to 20. */
const OUTPUT_TAIL = 6;

const STEP_STYLE: Record<StepStatus, { row: string; dot: string; label: string }> = {
  pending: { row: 'border-slate-200 bg-white opacity-60', dot: 'bg-slate-300', label: 'text-slate-500' },
  running: { row: 'border-sky-300 bg-sky-50/60', dot: 'bg-sky-500 animate-pulse', label: 'text-sky-700' },
  ok: { row: 'border-emerald-200 bg-white', dot: 'bg-emerald-500', label: 'text-emerald-700' },
  failed: { row: 'border-red-300 bg-red-50/60', dot: 'bg-red-500', label: 'text-red-700' },
  'rolled-back': { row: 'border-amber-300 bg-amber-50/60', dot: 'bg-amber-500', label: 'text-amber-800' },
  'rollback-failed': { row: 'border-red-400 bg-red-50', dot: 'bg-red-600', label: 'text-red-800' },
};

/** The host's wait for the panel's confirmation (a confirmed apply), counting down while it lasts. */
function Confirmation({ confirmation: c, hostName, readAt }: { confirmation: NonNullable<Change['confirmation']>; hostName: string; readAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  const waiting = c.state === 'waiting';
  // Each read's "seconds left" was counted on the panel before the answer travelled, so an answer
  // that was slow to arrive puts the deadline too late. The earliest estimate of this wait is the
  // best one, and keeping it means the count never jumps back up when a prompt read follows.
  const deadlineEstimate = readAt + (c.secondsLeft ?? 0) * 1000;
  const since = new Date(c.since).getTime();
  const [earliest, setEarliest] = useState({ since, deadline: deadlineEstimate });
  if (earliest.since !== since || deadlineEstimate < earliest.deadline) setEarliest({ since, deadline: deadlineEstimate });
  const deadline = Math.min(earliest.since === since ? earliest.deadline : deadlineEstimate, deadlineEstimate);
  useEffect(() => {
    if (!waiting) return;
    // Four ticks a second: the number changes once a second without visibly lagging behind.
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [waiting]);
  if (c.state === 'waiting') {
    const left = Math.max(0, Math.ceil((deadline - now) / 1000));
    return (
      <div data-testid="confirm-countdown" data-state="waiting" className="flex items-center gap-3 rounded-md border border-sky-300 bg-sky-50 p-2 text-sm text-sky-900">
        <span className="font-mono text-lg font-semibold tabular-nums" data-testid="confirm-seconds-left">
          {left} s
        </span>
        <span>
          Every step ran. {hostName} now waits for the panel to confirm, over a new connection, that it still reaches the host; without that within {c.windowSeconds} s,{' '}
          {hostName} undoes the change by itself.
        </span>
      </div>
    );
  }
  return c.state === 'confirmed' ? (
    <p data-testid="confirm-countdown" data-state="confirmed" className="text-sm text-emerald-800">
      Confirmed: the panel reached {hostName} over a new connection within the {c.windowSeconds} s window, so the host keeps the change.
    </p>
  ) : (
    <p data-testid="confirm-countdown" data-state="expired" className="rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900">
      Not confirmed within {c.windowSeconds} s: the panel could not reach {hostName} over a new connection, so the host undid every step by itself.
    </p>
  );
}

/**
 * The steps of one change as the audit trail records them, following a running apply: it polls
 * while the change is applying (or being recovered) and stops once the change has settled.
 */
export function ChangeSteps({ changeId }: { changeId: string }) {
  const trpc = useTRPC();
  // On a host's page, each step arrives as a live event; elsewhere (or while those are down) it polls.
  const eventsArrive = useLive();
  const change = useQuery({
    ...trpc.changes.get.queryOptions({ changeId }),
    refetchInterval: (query) => (!eventsArrive && query.state.data && LIVE_STATUSES.has(query.state.data.status) ? POLL_MS : false),
    refetchIntervalInBackground: true,
  });

  if (change.error && !change.data) return <ErrorMessage error={change.error} />;
  if (!change.data) return <p className="text-sm text-slate-500">Loading the change…</p>;

  const data = change.data;
  const live = LIVE_STATUSES.has(data.status);
  // The runner goes in order and stops at the first failure, so while the change is live the
  // first pending step (if nothing failed) is the one on the host right now.
  const anyFailed = data.steps.some((s) => s.status !== 'ok' && s.status !== 'pending');
  // Only while applying: during recovery nothing runs on the panel's behalf.
  const runningIndex = data.status === 'applying' && !anyFailed ? data.steps.find((s) => s.status === 'pending')?.index : undefined;
  const done = data.steps.filter((s) => s.status === 'ok').length;

  return (
    <section className="space-y-4" aria-live="polite">
      <header className="flex flex-wrap items-center gap-3">
        <h2 className="text-base font-semibold text-slate-900">Steps</h2>
        <ChangeStatusBadge status={data.status} testId="change-status" />
        <span className="text-sm text-slate-500">
          {done} of {data.steps.length} step{data.steps.length === 1 ? '' : 's'} done
        </span>
        {live && (
          <span className="ml-auto inline-flex items-center gap-2 text-xs text-sky-700">
            <Spinner /> following the host…
          </span>
        )}
      </header>
      {change.error && <ErrorMessage error={change.error} />}
      {data.runtimeOnly && (
        <p data-testid="runtime-only" className="rounded-md border border-slate-300 bg-slate-50 p-2 text-sm text-slate-800">
          {data.runtimeOnly}
        </p>
      )}
      {data.confirmation && <Confirmation confirmation={data.confirmation} hostName={data.hostName} readAt={change.dataUpdatedAt} />}

      {data.steps.length > 0 && (
        // The same count as "N of M steps done", drawn without an animation that would lag it (issue 14).
        <div
          role="progressbar"
          aria-label="Steps done"
          aria-valuemin={0}
          aria-valuemax={data.steps.length}
          aria-valuenow={done}
          className="h-1.5 w-full overflow-hidden rounded-full bg-slate-100"
        >
          <div className={`h-full rounded-full ${anyFailed ? 'bg-amber-500' : 'bg-emerald-500'}`} style={{ width: `${(done / data.steps.length) * 100}%` }} />
        </div>
      )}

      <ol className="space-y-3">
        {data.steps.map((step) => (
          <StepRow key={step.index} step={step} running={step.index === runningIndex} />
        ))}
      </ol>

      <Differences differences={data.differences} />
      <FinalResult final={data.final} />
    </section>
  );
}

function Spinner() {
  return <span aria-hidden className="inline-block h-3.5 w-3.5 animate-spin rounded-full border-2 border-sky-200 border-t-sky-600" />;
}

function StepRow({ step, running }: { step: Step; running: boolean }) {
  const shown: StepStatus = running ? 'running' : step.status;
  const style = STEP_STYLE[shown];
  return (
    <li
      data-testid="step"
      data-step={step.index}
      data-status={step.status}
      data-running={running ? 'true' : undefined}
      className={`rounded-lg border p-4 shadow-sm transition-colors ${style.row}`}
    >
      <div className="flex flex-wrap items-start gap-3">
        <span className="mt-1.5 flex h-2.5 w-2.5 shrink-0 items-center justify-center">
          {running ? <Spinner /> : <span className={`h-2.5 w-2.5 rounded-full ${style.dot}`} />}
        </span>
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium text-slate-900">
            <span className="mr-2 font-mono text-xs text-slate-400">#{step.index + 1}</span>
            {step.description}
          </p>
          {step.disruptive && (
            <p className="mt-1">
              <span
                data-testid="disruptive"
                className="inline-flex items-center rounded-full bg-orange-50 px-2 py-0.5 text-xs font-medium text-orange-800 ring-1 ring-inset ring-orange-600/30"
                title="This step can interrupt traffic"
              >
                disruptive: {step.disruptive}
              </span>
            </p>
          )}
        </div>
        <span className={`text-xs font-medium uppercase tracking-wide ${style.label}`}>{shown}</span>
      </div>

      <ul className="mt-3 space-y-2 pl-5">
        {step.commands.map((command, i) => (
          <li key={i} className="space-y-1">
            <div className="flex flex-wrap items-center gap-2">
              <code
                data-testid="command"
                data-exit-code={command.outcome?.exitCode}
                className="break-all rounded bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100"
              >
                {command.argv.join(' ')}
              </code>
              <Outcome outcome={command.outcome} />
            </div>
            <CommandDocuments documents={command.documents} argv={command.argv} />
            {command.outcome && command.outcome.output.length > 0 && <OutputTail lines={command.outcome.output} />}
            {command.inverse.length > 0 && (
              <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                <span title="What undoes this command if a later step fails">undo:</span>
                {command.inverse.map((argv, j) => (
                  <code key={j} data-testid="inverse" className="break-all rounded bg-slate-100 px-1.5 py-0.5 font-mono text-slate-700">
                    {argv.join(' ')}
                  </code>
                ))}
              </div>
            )}
          </li>
        ))}
      </ul>

      {step.rollback.length > 0 && (
        <div className="mt-3 rounded-md border border-amber-200 bg-white/70 p-3">
          <p className="mb-2 text-xs font-semibold uppercase tracking-wide text-amber-800">Rolled back with</p>
          <ul className="space-y-1.5">
            {step.rollback.map((r, i) => (
              <li key={i} className="space-y-1">
                <div className="flex flex-wrap items-center gap-2">
                  <code
                    data-testid="rollback-command"
                    data-exit-code={r.exitCode}
                    className="break-all rounded bg-amber-100 px-1.5 py-0.5 font-mono text-xs text-amber-950"
                  >
                    {r.argv.join(' ')}
                  </code>
                  <Outcome outcome={r} />
                </div>
                {r.output.length > 0 && <OutputTail lines={r.output} />}
              </li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

function Outcome({ outcome }: { outcome: { exitCode: number; ms: number } | null }) {
  if (!outcome) return <span className="text-xs text-slate-400">not run</span>;
  const ok = outcome.exitCode === 0;
  return (
    <span className="inline-flex items-center gap-2 text-xs">
      <span
        data-testid="exit-code"
        className={`rounded px-1.5 py-0.5 font-mono font-medium ${ok ? 'bg-emerald-50 text-emerald-800' : 'bg-red-50 text-red-800'}`}
      >
        exit {outcome.exitCode}
      </span>
      <span className="text-slate-500">{formatMs(outcome.ms)}</span>
    </span>
  );
}

function OutputTail({ lines }: { lines: string[] }) {
  const tail = lines.slice(-OUTPUT_TAIL);
  return (
    <pre className="max-h-40 overflow-auto rounded bg-slate-50 px-2 py-1 font-mono text-[11px] leading-snug text-slate-700 ring-1 ring-inset ring-slate-200">
      {lines.length > tail.length && <span className="text-slate-400">… {lines.length - tail.length} earlier line(s){'\n'}</span>}
      {tail.join('\n')}
    </pre>
  );
}

function Differences({ differences }: { differences: string[] }) {
  if (!differences.length) return null;
  return (
    <div data-testid="differences" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
      <p className="text-sm font-semibold text-amber-900">The host differs from what the plan intended</p>
      <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-amber-900">
        {differences.map((d, i) => (
          <li key={i}>{d}</li>
        ))}
      </ul>
    </div>
  );
}

function FinalResult({ final }: { final: Change['final'] }) {
  if (!final) return null;
  const text = (key: string) => (typeof final[key] === 'string' && final[key] ? (final[key] as string) : null);
  const notes = Array.isArray(final.notes) ? (final.notes as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  const durationMs = typeof final.durationMs === 'number' && final.durationMs > 0 ? final.durationMs : null;
  const rows: [string, string][] = [];
  if (text('result')) rows.push(['Result', text('result')!]);
  if (text('why')) rows.push(['Why', text('why')!]);
  if (text('hostOutcome')) rows.push(['On the host', text('hostOutcome')!]);
  if (text('hostState')) rows.push(['Host state now', text('hostState')!]);
  if (durationMs !== null) rows.push(['Took', formatMs(durationMs)]);
  if (!rows.length && !notes.length) return null;
  return (
    <div data-testid="final-result" className="rounded-lg border border-slate-200 bg-slate-50 p-4">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
        {rows.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-slate-500">{k}</dt>
            <dd className="text-slate-900">{v}</dd>
          </div>
        ))}
      </dl>
      {notes.length > 0 && (
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm text-slate-700">
          {notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function formatMs(ms: number): string {
  // The runner times commands from /proc/uptime, in 10 ms steps: 0 means "under 10 ms".
  if (ms === 0) return '<10 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
