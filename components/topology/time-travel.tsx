'use client';

import Link from 'next/link';
import { skipToken, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { ErrorMessage } from '@/components/ui/error-message';
import { isoDateTime } from '@/components/ui/date-words';
import type { RouterOutputs } from '@/components/trpc/types';

type Point = RouterOutputs['topology']['timeline'][number];

/** Where a stored read came from, in words. */
export function originInWords(origin: Point['origin']): string {
  switch (origin.kind) {
    case 'first-read':
      return 'first read';
    case 'switchboard':
      return `${origin.label} by ${origin.authorName}`;
    case 'outside':
      return origin.acknowledged ? 'changed outside Switchboard (acknowledged)' : 'changed outside Switchboard';
    default:
      return 'origin not recorded';
  }
}

function OriginLink({ origin }: { origin: Point['origin'] }) {
  if (origin.kind !== 'switchboard') return <span className={origin.kind === 'outside' ? 'text-amber-800' : 'text-slate-500'}>{originInWords(origin)}</span>;
  return (
    <Link href={`/history/${origin.changeId}`} className="text-sky-700 hover:text-sky-900">
      {originInWords(origin)}
    </Link>
  );
}

/** The state a host page keeps for time travel: which stored read it shows (null: now) and which it compares with. */
export interface TimeTravelState {
  at: string | null;
  compareWith: string | null;
}

/**
 * A slider over the host's stored reads: the page draws the host as it was at the chosen one
 * (`state.at`, null for now), and "compare with" lists what changed between two points, step by
 * step, each from Switchboard (linked) or from outside.
 */
export function TimeTravel({ hostId, state, onChange }: { hostId: string; state: TimeTravelState; onChange: (s: TimeTravelState) => void }) {
  const trpc = useTRPC();
  const timeline = useQuery({ ...trpc.topology.timeline.queryOptions({ hostId }), refetchInterval: 30_000 });
  const points = timeline.data ?? [];
  const latest = points.at(-1);
  const index = state.at ? points.findIndex((p) => p.snapshotId === state.at) : points.length - 1;
  const compare = useQuery(trpc.topology.compare.queryOptions(state.compareWith && (state.at ?? latest?.snapshotId) ? { hostId, from: state.compareWith, to: state.at ?? latest!.snapshotId } : skipToken));
  const showing = index >= 0 ? points[index] : undefined;

  if (timeline.error) return <ErrorMessage error={timeline.error} />;
  if (points.length < 2) return null;
  return (
    <div className="space-y-1.5 rounded-md border border-slate-200 bg-white px-3 py-2 text-xs" data-testid="time-travel">
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 font-medium text-slate-700">
          Time
          <input
            type="range"
            aria-label="Show the host as it was at"
            min={0}
            max={points.length - 1}
            value={index < 0 ? points.length - 1 : index}
            onChange={(e) => {
              const p = points[Number(e.target.value)]!;
              onChange({ ...state, at: p.snapshotId === latest?.snapshotId ? null : p.snapshotId });
            }}
            className="w-64"
          />
        </label>
        <span data-testid="time-travel-showing" className={state.at ? 'font-medium text-violet-800' : 'text-slate-600'}>
          {showing && state.at ? (
            <>
              As read at {isoDateTime(new Date(showing.observedAt))} (<OriginLink origin={showing.origin} />), read-only
            </>
          ) : (
            'Now'
          )}
        </span>
        {state.at && (
          <button type="button" className="underline" onClick={() => onChange({ ...state, at: null })}>
            Back to now
          </button>
        )}
        <label className="ml-auto flex items-center gap-2 text-slate-700">
          Compare with
          <select
            aria-label="Compare with"
            value={state.compareWith ?? ''}
            onChange={(e) => onChange({ ...state, compareWith: e.target.value || null })}
            className="rounded border border-slate-300 px-1 py-0.5"
          >
            <option value="">—</option>
            {points.map((p) => (
              <option key={p.snapshotId} value={p.snapshotId}>
                {isoDateTime(new Date(p.observedAt))}: {originInWords(p.origin)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {compare.error && <ErrorMessage error={compare.error} />}
      {compare.data && (
        <div data-testid="time-travel-diff" className="max-h-48 overflow-auto">
          {compare.data.steps.length === 0 ? (
            <p className="text-slate-600">Nothing changed between these two points.</p>
          ) : (
            <ol className="space-y-1">
              {compare.data.steps.map((s) => (
                <li key={s.snapshotId} data-testid="time-travel-step" data-origin={s.origin.kind}>
                  <span className="text-slate-500">{isoDateTime(new Date(s.observedAt))}</span> <OriginLink origin={s.origin} />
                  <ul className="ml-4 list-disc text-slate-800">
                    {s.sentences.map((sentence) => (
                      <li key={sentence}>{sentence}</li>
                    ))}
                  </ul>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
