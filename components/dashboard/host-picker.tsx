'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useTRPC } from '@/components/trpc/client';

/** Which host the dashboard shows (all by default); the choice lives in the URL, so it can be bookmarked. */
export function HostPicker({ hostId, everySeconds }: { hostId: string | undefined; everySeconds: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  return (
    <label className="flex items-center gap-2 text-sm text-slate-600">
      Host
      <select
        aria-label="Host"
        value={hostId ?? ''}
        onChange={(e) => router.push(`/dashboard?every=${everySeconds}${e.target.value ? `&host=${encodeURIComponent(e.target.value)}` : ''}`)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        <option value="">All hosts</option>
        {hosts.data?.map((h) => (
          <option key={h.id} value={h.id}>
            {h.name}
          </option>
        ))}
      </select>
    </label>
  );
}
