'use client';

import { useSyncExternalStore } from 'react';
import type { HostStatus } from '@/server/hosts/hosts.types';
import { isoDateTime } from '@/components/ui/date-words';

const STYLE: Record<HostStatus, { label: string; className: string }> = {
  reachable: { label: 'reachable', className: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20' },
  unreachable: { label: 'unreachable', className: 'bg-amber-50 text-amber-800 ring-amber-600/20' },
  key_mismatch: { label: 'key mismatch', className: 'bg-red-50 text-red-800 ring-red-600/30' },
  auth_failed: { label: 'key not accepted', className: 'bg-orange-50 text-orange-800 ring-orange-600/20' },
  unknown: { label: 'not tested', className: 'bg-slate-50 text-slate-600 ring-slate-500/20' },
};

export function HostStatusBadge({ status }: { status: HostStatus }) {
  const s = STYLE[status];
  return (
    <span data-status={status} className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${s.className}`}>
      {s.label}
    </span>
  );
}

// A shared clock that ticks every 30 s, so relative times age without a refetch.
let now = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;
function subscribe(listener: () => void) {
  listeners.add(listener);
  timer ??= setInterval(() => {
    now = Date.now();
    listeners.forEach((l) => l());
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** "3 min ago" for recent times, the date otherwise; the exact time is in the tooltip. */
export function RelativeTime({ at }: { at: Date | string | null }) {
  const current = useSyncExternalStore(subscribe, () => now, () => null);
  if (!at) return <span className="text-slate-400">never</span>;
  const date = new Date(at);
  const seconds = current === null ? Infinity : Math.round((current - date.getTime()) / 1000);
  const text =
    seconds < 60 ? 'just now' : seconds < 3600 ? `${Math.floor(seconds / 60)} min ago` : seconds < 86_400 ? `${Math.floor(seconds / 3600)} h ago` : isoDateTime(date);
  // Local time: a page rendered on the server writes the server's zone, the browser its own; the
  // browser's text replaces it on its next render (the clock ticks), so the difference is no error.
  return (
    <time dateTime={date.toISOString()} title={isoDateTime(date)} suppressHydrationWarning>
      {text}
    </time>
  );
}
