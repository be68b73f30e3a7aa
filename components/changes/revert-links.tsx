import Link from 'next/link';

/** "Revert of CHG-…" and "Reverted by CHG-…", each a link: History links a revert and its change both ways. */
export function RevertLinks({ revertOf, revertedBy }: { revertOf: { id: string; label: string } | null; revertedBy: { id: string; label: string }[] }) {
  if (!revertOf && !revertedBy.length) return null;
  const link = (c: { id: string; label: string }) => (
    <Link key={c.id} href={`/history/${c.id}`} className="font-medium text-sky-700 hover:text-sky-900">
      {c.label}
    </Link>
  );
  return (
    <p className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700">
      {revertOf && <span data-testid="revert-of">Revert of {link(revertOf)}</span>}
      {revertedBy.length > 0 && (
        <span data-testid="reverted-by">
          Reverted by{' '}
          {revertedBy.map((c, i) => (
            <span key={c.id}>
              {i > 0 && ', '}
              {link(c)}
            </span>
          ))}
        </span>
      )}
    </p>
  );
}
