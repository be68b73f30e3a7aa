// How a change's status looks wherever it appears (history table, detail header, live apply).

export const CHANGE_STATUS_STYLE: Record<string, { label: string; className: string }> = {
  applying: { label: 'applying', className: 'bg-sky-50 text-sky-800 ring-sky-600/20' },
  recovering: { label: 'recovering', className: 'bg-sky-50 text-sky-800 ring-sky-600/20' },
  applied: { label: 'applied', className: 'bg-emerald-50 text-emerald-800 ring-emerald-600/20' },
  'applied-with-differences': { label: 'applied with differences', className: 'bg-amber-50 text-amber-800 ring-amber-600/30' },
  'rolled-back': { label: 'rolled back', className: 'bg-amber-50 text-amber-800 ring-amber-600/30' },
  'rolled-back-by-host': { label: 'rolled back by the host: not confirmed in time', className: 'bg-amber-50 text-amber-800 ring-amber-600/30' },
  'rollback-incomplete': { label: 'rollback incomplete', className: 'bg-red-50 text-red-800 ring-red-600/30' },
  'not-applied': { label: 'not applied', className: 'bg-slate-100 text-slate-700 ring-slate-500/20' },
  interrupted: { label: 'interrupted', className: 'bg-red-50 text-red-800 ring-red-600/30' },
};

/** The statuses of a change that is still moving; any other status is settled. */
export const LIVE_STATUSES = new Set(['applying', 'recovering']);

/** Visible text is the status itself (tests and people both read it); the label is the tooltip. */
export function ChangeStatusBadge({ status, testId }: { status: string; testId?: string }) {
  const s = CHANGE_STATUS_STYLE[status] ?? { label: status, className: 'bg-slate-100 text-slate-700 ring-slate-500/20' };
  return (
    <span
      data-testid={testId}
      data-status={status}
      title={s.label}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${s.className}`}
    >
      {LIVE_STATUSES.has(status) && <span aria-hidden className="h-1.5 w-1.5 animate-pulse rounded-full bg-sky-500" />}
      {status}
    </span>
  );
}
