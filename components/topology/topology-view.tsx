'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useSearchParams } from 'next/navigation';
import { skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@/components/trpc/types';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';
import { RelativeTime } from '@/components/hosts/host-status';
import { DraftProvider, useDraftEditorState } from '@/components/changes/draft-context';
import { DraftPanel } from '@/components/changes/draft-panel';
import { NewMenu } from '@/components/changes/edit-forms';
import { ReviewDialog } from '@/components/changes/review-dialog';
import { nodeConnectionOperation } from '@/components/changes/operations';
import type { Operation } from '@/server/plan/ops';
import { Inspector } from '@/components/topology/inspector';
import { TimeTravel, type TimeTravelState } from '@/components/topology/time-travel';
import { OutsideChanges } from '@/components/topology/outside-changes';
import type { PendingMark } from '@/components/changes/pending-graph';
import { BootStatus, useBootDrift } from '@/components/topology/boot-status';
import { KIND_STYLE } from '@/components/topology/nodes';
import { TopologyCanvas, type Positions } from '@/components/topology/topology-canvas';
import { searchGraph } from '@/server/topology/search';
import { ifId, topologyToGraph, type GraphNodeKind } from '@/server/topology/graph';
import type { Topology } from '@/server/topology/model';
import { missingInWords } from '@/server/topology/words';
import { isoTime } from '@/components/ui/date-words';
import { HostLive, LiveStatus, useLive } from '@/components/live/live-events';

/** How often an open graph re-reads the host when live events are down. A refresh is one SSH exec (~0.1-0.3 s). */
const REFRESH_EVERY_MS = 30_000;

/**
 * The graph's first data, read by the page on the server (the queries' own answers, as JSON). The
 * draft is part of it: the first layout draws the host as the draft will make it, so a draft
 * made before the page opened is laid out with the rest, not brought into view as just drafted.
 */
export interface InitialGraphData {
  latest: RouterOutputs['topology']['latest'];
  positions: RouterOutputs['topology']['positions'];
  draft: RouterOutputs['changes']['draft'];
  /** When the server read them (ms since the epoch). */
  readAt: number;
}

function HostGraph({ hostId, heading, initial }: { hostId: string; heading: ReactNode; initial?: InitialGraphData }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // While live events arrive, another tab's read or edit shows at once; timers only stand in
  // while they do not.
  const isLive = useLive();
  const me = useQuery(trpc.auth.me.queryOptions());
  const canEdit = me.data?.role === 'admin' || me.data?.role === 'operator';
  // Time travel: a stored read of the past replaces the live host on the graph, read-only (no
  // draft, no inspector actions: nothing can be changed in the past).
  const [time, setTime] = useState<TimeTravelState>({ at: null, compareWith: null });
  const editable = canEdit && !time.at;
  const editor = useDraftEditorState(hostId, editable, initial && { draft: initial.draft, readAt: initial.readAt });
  const { draft, add, setNotice } = editor;
  const [reviewing, setReviewing] = useState(false);
  // The last stored state shows at once; each refresh then supersedes it (a refresh stores a
  // snapshot only when something changed, so its own time says how fresh the view is).
  // The page brings both (InitialGraphData); from then on they are the queries' own, re-read on events.
  const latest = useQuery({ ...trpc.topology.latest.queryOptions({ hostId }), initialData: initial?.latest, initialDataUpdatedAt: initial?.readAt });
  const saved = useQuery({ ...trpc.topology.positions.queryOptions({ hostId }), initialData: initial?.positions, initialDataUpdatedAt: initial?.readAt });
  const fleetConflicts = useQuery({ ...trpc.topology.conflicts.queryOptions({ hostId }), refetchInterval: isLive ? false : REFRESH_EVERY_MS });
  // This host's conflicts by graph node, in sentences (a conflict with another host names it).
  const conflicts = useMemo(() => {
    const byNode = new Map<string, string[]>();
    for (const c of fleetConflicts.data ?? []) for (const p of c.places) if (p.hostId === hostId && !byNode.get(p.ref)?.includes(c.sentence)) byNode.set(p.ref, [...(byNode.get(p.ref) ?? []), c.sentence]);
    return byNode;
  }, [fleetConflicts.data, hostId]);
  // The last refresh's result, kept while the next one runs (a pending mutation has no data, and
  // falling back to an empty view would remount the graph and lose the user's viewport).
  const [live, setLive] = useState<{ topology: Topology; observedAt: Date | string } | null>(null);
  const refresh = useMutation(
    trpc.topology.refresh.mutationOptions({
      onSuccess: (r) => {
        setLive({ topology: r.topology as Topology, observedAt: r.observedAt });
        // Conflicts are computed from what was last read: this read may have made or ended one.
        void queryClient.invalidateQueries({ queryKey: trpc.topology.conflicts.queryKey() });
      },
    }),
  );
  const savePositions = useMutation(trpc.topology.savePositions.mutationOptions());
  const { mutate: runRefresh } = refresh;
  const { mutate: save } = savePositions;

  // One read when the page opens; after that, while live, the server watches the host and every
  // change arrives as an event (one read for all tabs); otherwise this tab reads on a timer.
  useEffect(() => {
    runRefresh({ hostId });
  }, [hostId, runRefresh]);
  useEffect(() => {
    if (isLive) return;
    const timer = setInterval(() => runRefresh({ hostId }), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [hostId, runRefresh, isLive]);

  const [search, setSearch] = useState('');
  /** Which of the search's matches Enter went to last (null: none yet). */
  const [found, setFound] = useState<number | null>(null);
  const shiftHeld = useRef(false);
  const [hiddenKinds, setHiddenKinds] = useState<Set<GraphNodeKind>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  // Changes made outside Switchboard: the fleet's badge opens their list here (?outside=1).
  const searchParams = useSearchParams();
  const [outsideOpen, setOutsideOpen] = useState(searchParams.get('outside') === '1');
  const [outsideMarks, setOutsideMarks] = useState<ReadonlyMap<string, PendingMark> | null>(null);
  const observed = useQuery({ ...trpc.topology.observedChanges.queryOptions({ hostId }), refetchInterval: isLive ? false : REFRESH_EVERY_MS });
  const openOutside = observed.data?.filter((c) => !c.acknowledgedAt).length ?? 0;
  const closeOutside = useCallback(() => setOutsideOpen(false), []);
  const [focus, setFocus] = useState<{ id: string; seq: number } | null>(null);

  // This tab's own last read, unless a newer one was stored since (another tab's read, told live).
  const latestIsNewer = !!latest.data && (!live || new Date(latest.data.observedAt).getTime() > new Date(live.observedAt).getTime());
  const liveTopology: Topology | null = latestIsNewer ? (latest.data!.topology as Topology) : (live?.topology ?? null);
  const past = useQuery(trpc.topology.snapshot.queryOptions(time.at ? { hostId, snapshotId: time.at } : skipToken));
  const pastTopology = time.at ? ((past.data?.topology ?? null) as Topology | null) : null;
  const topology = pastTopology ?? liveTopology;
  const dataTime = latestIsNewer ? latest.data!.observedAt : (live?.observedAt ?? null);
  const pendingCount = draft?.items.length ?? 0;
  // With a draft, the graph draws the host as it will be (live ids, pending things marked).
  const projected = pendingCount > 0 && !pastTopology ? ((draft?.projected ?? null) as Topology | null) : null;
  const drawn = projected ?? topology;
  // What a reboot would change, by graph node: those nodes are marked "runtime only".
  const bootDrift = useBootDrift(topology);
  const drift = useMemo(() => new Map((bootDrift ?? []).map((d) => [ifId(d.name), d.sentences])), [bootDrift]);
  // The kinds the graph draws (an OVS bridge is an interface of kind "other" to the kernel, and
  // the datapath device is not drawn at all), so every legend entry filters something.
  const drawnGraph = useMemo(() => (drawn ? topologyToGraph(drawn) : null), [drawn]);
  const hits = useMemo(() => (drawn && drawnGraph ? searchGraph(drawn, drawnGraph, search) : []), [drawn, drawnGraph, search]);
  const matches = useMemo(() => (search.trim() ? new Set(hits.map((h) => h.id)) : null), [hits, search]);
  // A node a filter hides is not left selected in the inspector.
  const selectedKind = drawnGraph?.nodes.find((n) => n.id === selected)?.data.kind;
  const shownSelection = selectedKind && hiddenKinds.has(selectedKind) ? null : selected;
  const kindsPresent = useMemo(() => (drawnGraph ? [...new Set<GraphNodeKind>(drawnGraph.nodes.map((n) => n.data.kind))] : []), [drawnGraph]);

  const onConnectNodes = useCallback(
    (source: string, target: string) => {
      if (!drawn) return;
      const op = nodeConnectionOperation(drawn, source, target);
      if (typeof op === 'string') setNotice(op);
      else add([op]);
    },
    [drawn, add, setNotice],
  );
  const onDeleteEdges = useCallback(
    (ids: string[]) => {
      const devs = ids.filter((id) => id.startsWith('member:')).map((id) => id.slice('member:'.length));
      // A port the draft already takes out needs no second disconnect.
      const todo = devs.filter((dev) => drawn?.interfaces.find((i) => i.name === dev)?.master);
      if (todo.length) add(todo.map((dev): Operation => ({ kind: 'unsetMaster', dev })));
      if (devs.length < ids.length) setNotice('Only bridge and bond ports can be disconnected from the graph; other connections follow from the interfaces.');
    },
    [drawn, add, setNotice],
  );
  // A settled apply: read the host again, then the draft (its applied operations are gone), so
  // the graph goes straight from "pending" to the new live state.
  const onApplied = useCallback(() => {
    runRefresh(
      { hostId },
      {
        onSettled: () => {
          void queryClient.invalidateQueries({ queryKey: trpc.changes.draft.queryKey({ hostId }) });
          void queryClient.invalidateQueries({ queryKey: trpc.topology.latest.queryKey({ hostId }) });
        },
      },
    );
  }, [runRefresh, hostId, queryClient, trpc]);
  const closeReview = useCallback(() => setReviewing(false), []);

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
    <DraftProvider editor={editor}>
      <div className="flex min-h-0 flex-1 flex-col gap-2">
        <div className="flex flex-wrap items-center gap-3 text-sm">
          {heading}
          {editable && drawn && <NewMenu topology={drawn} />}
          <a
            href="#draft-heading"
            data-testid="pending-count"
            data-count={pendingCount}
            title="Operations drafted for this host, not yet applied"
            className={`rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 ${
              pendingCount ? 'bg-amber-50 text-amber-900 ring-amber-600/30' : 'bg-slate-50 text-slate-600 ring-slate-300'
            }`}
          >
            {pendingCount} pending change{pendingCount === 1 ? '' : 's'}
          </a>
          {(openOutside > 0 || outsideOpen) && (
            <button
              type="button"
              data-testid="outside-changes-button"
              aria-expanded={outsideOpen}
              onClick={() => setOutsideOpen((o) => !o)}
              className={`rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 ${
                openOutside ? 'bg-amber-100 text-amber-900 ring-amber-600/30' : 'bg-slate-50 text-slate-600 ring-slate-300'
              }`}
            >
              {openOutside} change{openOutside === 1 ? '' : 's'} outside Switchboard
            </button>
          )}
          <Button variant="secondary" onClick={() => runRefresh({ hostId })} disabled={refresh.isPending}>
            {refresh.isPending ? 'Refreshing…' : 'Refresh'}
          </Button>
          {/* Local time, first written in the server's zone (see RelativeTime). */}
          <span className="text-slate-600" data-testid="data-age" suppressHydrationWarning>
            {dataTime ? (
              <>
                Data from <RelativeTime at={dataTime} /> ({isoTime(new Date(dataTime))})
              </>
            ) : latest.isPending || refresh.isPending ? (
              'Reading the host…'
            ) : (
              'Not read yet'
            )}
          </span>
          <LiveStatus live={isLive} liveMeans="Edits and reads from other tabs and operators show here as they happen." />
          <form
            className="ml-auto flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (!hits.length) return;
              // Enter goes to the next match, Shift+Enter to the one before, round and round.
              const back = shiftHeld.current;
              const next = found === null ? 0 : (found + (back ? hits.length - 1 : 1)) % hits.length;
              const hit = hits[next]!.id;
              setFound(next);
              setSelected(hit);
              setFocus((f) => ({ id: hit, seq: (f?.seq ?? 0) + 1 }));
            }}
          >
            {search.trim() && (
              <span data-testid="search-result" role="status" className={`text-xs ${hits.length ? 'text-slate-600' : 'font-medium text-amber-800'}`}>
                {!hits.length
                  ? `Nothing matches “${search.trim()}”`
                  : found === null
                    ? `${hits.length} match${hits.length === 1 ? '' : 'es'}, Enter to go to ${hits.length === 1 ? 'it' : 'each'}`
                    : `${found + 1} of ${hits.length}: ${hits[found]!.why}`}
              </span>
            )}
            <input
              aria-label="Search nodes"
              placeholder="Name, address or MAC; Enter to find"
              value={search}
              onChange={(e) => {
                setSearch(e.target.value);
                setFound(null);
              }}
              onKeyDown={(e) => {
                // A form submits on Enter without telling whether Shift was held; remember it.
                if (e.key === 'Enter') shiftHeld.current = e.shiftKey;
              }}
              className="w-64 rounded-md border border-slate-300 px-2 py-1 text-sm"
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
        {editor.error ? <ErrorMessage error={editor.error} /> : null}
        {editor.notice && (
          <p role="status" data-testid="graph-notice" className="flex items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-1.5 text-sm text-amber-900">
            {editor.notice}
            <button type="button" className="ml-auto text-xs underline" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </p>
        )}
        {layoutError && <p className="text-sm text-red-700">Automatic layout failed: {layoutError}</p>}
        {topology && topology.missing.some((m) => !m.unreadable) && (
          <p data-testid="missing-sections" className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-700">
            Not available on this host: {topology.missing.filter((m) => !m.unreadable).map(missingInWords).join('; ')}
          </p>
        )}
        {topology && topology.missing.some((m) => m.unreadable) && (
          <p data-testid="unreadable-sections" role="status" className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900">
            Shown without what could not be read: {topology.missing.filter((m) => m.unreadable).map(missingInWords).join('; ')}
          </p>
        )}
        {topology && (
          <BootStatus topology={topology} drift={bootDrift} />
        )}
        <TimeTravel hostId={hostId} state={time} onChange={setTime} />
        {/* The graph takes what the window has left (at least 24rem); the side column scrolls within it. */}
        <div className="grid min-h-[24rem] flex-1 gap-3 lg:grid-cols-[1fr_20rem]">
          <div
            className={`relative min-h-[24rem] rounded-lg border bg-white ${pendingCount ? 'border-amber-300' : 'border-slate-200'}`}
            data-testid="topology-graph"
            data-drafting={pendingCount ? 'true' : undefined}
          >
            {(fleetConflicts.data?.length ?? 0) > 0 && (
              <span data-testid="host-conflicts" className="pointer-events-none absolute right-3 top-3 z-10 rounded-md bg-red-100/90 px-2 py-1 text-xs font-medium text-red-900 shadow-sm">
                {fleetConflicts.data!.length} conflict{fleetConflicts.data!.length === 1 ? '' : 's'}: the marked nodes say which
              </span>
            )}
            {projected && (
              <span className="pointer-events-none absolute left-3 top-3 z-10 rounded-md bg-amber-100/90 px-2 py-1 text-xs font-medium text-amber-900 shadow-sm">
                Showing the draft: dashed = to be created, red = to be removed
              </span>
            )}
            {topology && saved.data && (
              <div className="absolute inset-0">
                <TopologyCanvas
                  topology={topology}
                  savedPositions={saved.data}
                  onMoved={onMoved}
                  matches={matches}
                  hiddenKinds={hiddenKinds}
                  onSelect={setSelected}
                  layoutGeneration={generation}
                  onLayoutError={setLayoutError}
                  focus={focus}
                  projected={projected}
                  pending={projected ? draft?.pending : undefined}
                  editable={editable}
                  marks={pastTopology ? undefined : (outsideMarks ?? undefined)}
                  onConnectNodes={onConnectNodes}
                  onDeleteEdges={onDeleteEdges}
                  selectedId={shownSelection}
                  conflicts={conflicts}
                  drift={drift}
                />
              </div>
            )}
          </div>
          <aside className="relative min-h-0">
            <div className="flex flex-col gap-3 lg:absolute lg:inset-0">
              {outsideOpen && (
                <div className="max-h-[40%] shrink-0 overflow-auto rounded-lg border border-amber-200 bg-white p-3">
                  <OutsideChanges hostId={hostId} canEdit={editable} onMarks={setOutsideMarks} onClose={closeOutside} />
                </div>
              )}
              <div className="max-h-[40%] shrink-0 overflow-auto rounded-lg border border-slate-200 bg-white p-3">
                <DraftPanel onReview={() => setReviewing(true)} />
              </div>
              <div className="min-h-0 flex-1 overflow-auto rounded-lg border border-slate-200 bg-white p-4">
                {drawn && topology ? (
                  <Inspector topology={drawn} live={topology} selected={shownSelection} conflicts={conflicts} allConflicts={fleetConflicts.data?.map((c) => c.sentence)} drift={drift} />
                ) : (
                  <p className="text-sm text-slate-500">Waiting for the first read…</p>
                )}
              </div>
            </div>
          </aside>
        </div>
        {editable && <ReviewDialog open={reviewing} onClose={closeReview} onFinished={onApplied} />}
      </div>
    </DraftProvider>
  );
}

/** A host's page below the header: `heading` names the host at the start of the toolbar. */
export function TopologyView({ hostId, heading, initial }: { hostId: string; heading: ReactNode; initial?: InitialGraphData }) {
  return (
    <HostLive hostId={hostId}>
      <ReactFlowProvider>
        <HostGraph hostId={hostId} heading={heading} initial={initial} />
      </ReactFlowProvider>
    </HostLive>
  );
}
