'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';
import { RelativeTime } from '@/components/hosts/host-status';
import { Inspector } from '@/components/topology/inspector';
import { KIND_STYLE } from '@/components/topology/nodes';
import { findNodeId, TopologyCanvas, type Positions } from '@/components/topology/topology-canvas';
import type { GraphNodeKind } from '@/server/topology/graph';
import type { Topology } from '@/server/topology/model';

/** How often an open graph re-reads the host. A refresh is one SSH exec (~0.1-0.3 s). */
const REFRESH_EVERY_MS = 30_000;

function HostGraph({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // The last stored state shows at once; each refresh then supersedes it (a refresh stores a
  // snapshot only when something changed, so its own time says how fresh the view is).
  const latest = useQuery(trpc.topology.latest.queryOptions({ hostId }));
  const saved = useQuery(trpc.topology.positions.queryOptions({ hostId }));
  // The last refresh's result, kept while the next one runs (a pending mutation has no data, and
  // falling back to an empty view would remount the graph and lose the user's viewport).
  const [live, setLive] = useState<{ topology: Topology; observedAt: Date | string } | null>(null);
  const refresh = useMutation(
    trpc.topology.refresh.mutationOptions({
      onSuccess: (r) => setLive({ topology: r.topology as Topology, observedAt: r.observedAt }),
    }),
  );
  const savePositions = useMutation(trpc.topology.savePositions.mutationOptions());
  const { mutate: runRefresh } = refresh;
  const { mutate: save } = savePositions;

  useEffect(() => {
    runRefresh({ hostId });
    const timer = setInterval(() => runRefresh({ hostId }), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [hostId, runRefresh]);

  const [search, setSearch] = useState('');
  const [hiddenKinds, setHiddenKinds] = useState<Set<GraphNodeKind>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [focus, setFocus] = useState<{ id: string; seq: number } | null>(null);

  const topology: Topology | null = live?.topology ?? ((latest.data?.topology ?? null) as Topology | null);
  const dataTime = live?.observedAt ?? latest.data?.observedAt ?? null;
  const kindsPresent = useMemo(() => {
    if (!topology) return [];
    const kinds = new Set<GraphNodeKind>(topology.interfaces.filter((i) => i.kind !== 'loopback').map((i) => i.kind));
    if (topology.vms.length) kinds.add('vm');
    if (topology.networks.length) kinds.add('network');
    return [...kinds];
  }, [topology]);

  const onMoved = useCallback((positions: Positions) => save({ hostId, positions }), [hostId, save]);

  const resetLayout = () => {
    save(
      { hostId, positions: {}, reset: true },
      {
        onSuccess: async () => {
          await queryClient.invalidateQueries({ queryKey: trpc.topology.positions.queryKey({ hostId }) });
          setGeneration((g) => g + 1);
        },
      },
    );
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <Button variant="secondary" onClick={() => runRefresh({ hostId })} disabled={refresh.isPending}>
          {refresh.isPending ? 'Refreshing…' : 'Refresh'}
        </Button>
        <span className="text-slate-600" data-testid="data-age">
          {dataTime ? (
            <>
              Data from <RelativeTime at={dataTime} /> ({new Date(dataTime).toLocaleTimeString()})
            </>
          ) : latest.isPending || refresh.isPending ? (
            'Reading the host…'
          ) : (
            'Not read yet'
          )}
        </span>
        <form
          className="ml-auto flex items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            const hit = topology ? findNodeId(topology, search) : null;
            if (hit) {
              setSelected(hit);
              setFocus((f) => ({ id: hit, seq: (f?.seq ?? 0) + 1 }));
            }
          }}
        >
          <input
            aria-label="Search nodes"
            placeholder="Search by name, Enter to find"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="w-56 rounded-md border border-slate-300 px-2 py-1 text-sm"
          />
        </form>
        <Button variant="secondary" onClick={resetLayout}>
          Reset layout
        </Button>
      </div>
      <div className="flex flex-wrap gap-2 text-xs" aria-label="Filter by kind">
        {kindsPresent.map((k) => (
          <label key={k} className="flex items-center gap-1 rounded border border-slate-200 bg-white px-1.5 py-0.5">
            <input
              type="checkbox"
              checked={!hiddenKinds.has(k)}
              onChange={() =>
                setHiddenKinds((prev) => {
                  const next = new Set(prev);
                  if (next.has(k)) next.delete(k);
                  else next.add(k);
                  return next;
                })
              }
            />
            <span className={`rounded px-1 text-[9px] font-bold ${KIND_STYLE[k].className}`}>{KIND_STYLE[k].tag}</span>
            {KIND_STYLE[k].label}
          </label>
        ))}
      </div>
      {refresh.error && <ErrorMessage error={refresh.error} />}
      {layoutError && <p className="text-sm text-red-700">Automatic layout failed: {layoutError}</p>}
      {topology && topology.missing.length > 0 && (
        <p className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-700">
          Not available on this host: {topology.missing.map((m) => `${m.section} (${m.reason})`).join('; ')}
        </p>
      )}
      <div className="grid gap-4 lg:grid-cols-[1fr_20rem]">
        <div className="h-[70vh] rounded-lg border border-slate-200 bg-white" data-testid="topology-graph">
          {topology && saved.data && (
            <TopologyCanvas
              topology={topology}
              savedPositions={saved.data}
              onMoved={onMoved}
              search={search}
              hiddenKinds={hiddenKinds}
              onSelect={setSelected}
              layoutGeneration={generation}
              onLayoutError={setLayoutError}
              focus={focus}
            />
          )}
        </div>
        <aside className="max-h-[70vh] overflow-auto rounded-lg border border-slate-200 bg-white p-4">
          {topology ? <Inspector topology={topology} selected={selected} /> : <p className="text-sm text-slate-500">Waiting for the first read…</p>}
        </aside>
      </div>
    </div>
  );
}

export function TopologyView({ hostId }: { hostId: string }) {
  return (
    <ReactFlowProvider>
      <HostGraph hostId={hostId} />
    </ReactFlowProvider>
  );
}
