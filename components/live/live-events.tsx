'use client';

// Live events (issue 15): a page's data is re-read the moment the server says it changed (another
// operator's edit, another tab's read, an apply's steps, a change the host itself reported),
// instead of on a timer. While the subscription is up, views turn their polling
// off (useLive); when it drops they poll again until it is back, and on its return everything is
// re-read once (the server opens each subscription with "ready").
import { createContext, useContext, useRef, useState, type ReactNode } from 'react';
import { useQueryClient, type InvalidateQueryFilters } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from '@/components/trpc/client';
import type { LiveMessage } from '@/server/live/watch';

const LiveContext = createContext(false);

/** Whether this view's data arrives live (then it need not poll). */
export const useLive = () => useContext(LiveContext);

/**
 * Re-reads what an event says changed; "ready" after a reconnect re-reads everything. The first
 * "ready" re-reads what `firstReads` names: data the page brought from the server, read before
 * the subscription was open, so a change in between told no one.
 */
function useEventHandler(firstReads: InvalidateQueryFilters[] = []) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [ready, setReady] = useState(false);
  // Whether a "ready" came before: the next one is a reconnect. (The subscription calls the
  // latest render's callbacks, so this is never stale.)
  const [connectedBefore, setConnectedBefore] = useState(false);
  // A change's own read (its status and steps) is what someone who just clicked Apply waits on;
  // the graph's read, whose redraw holds the page's thread, waits for it when both come at once
  // (an apply's final record and its read after), for a second at most.
  const changeRead = useRef<Promise<unknown>>(Promise.resolve());
  const afterChangeRead = () => Promise.race([changeRead.current, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  /**
   * Marks what an event names stale and reads it again. A first read still under way is not
   * restarted by TanStack (it joins it), yet it may have begun before what the event reports:
   * those are read once more after it. (The page of an apply that cut the host off kept its first
   * read, from before the wait began, for the whole countdown.)
   */
  const reread = async (filters: InvalidateQueryFilters) => {
    const firstReads = queryClient
      .getQueryCache()
      .findAll(filters)
      .filter((q) => q.state.data === undefined && q.state.fetchStatus === 'fetching');
    await queryClient.invalidateQueries(filters);
    for (const q of firstReads) void queryClient.invalidateQueries({ queryKey: q.queryKey, exact: true });
  };
  const onData = (event: LiveMessage) => {
    switch (event.kind) {
      case 'ready':
        // A reconnect: what happened while it was down is read again.
        if (connectedBefore) void queryClient.invalidateQueries();
        else {
          setConnectedBefore(true);
          for (const filters of firstReads) void reread(filters);
        }
        setReady(true);
        return;
      case 'draft':
        void reread({ queryKey: trpc.changes.draft.queryKey({ hostId: event.hostId }) });
        return;
      case 'topology':
        if (!event.drawn) {
          // Only counters and the host's status moved on (a dashboard's sampling read, a failed read).
          void reread(trpc.hosts.pathFilter());
          void reread(trpc.topology.fleet.pathFilter());
          return;
        }
        // The graph's own read first, in a request of its own (a batch answers when its slowest
        // query does); what derives from reads (conflicts, the outside-change list, the time
        // slider, the fleet's counts) follows in the next batch. Positions are not a read's.
        void afterChangeRead().then(() => {
          void reread({ queryKey: trpc.topology.latest.queryKey({ hostId: event.hostId }) });
          setTimeout(() => {
            for (const derived of [trpc.topology.conflicts, trpc.topology.observedChanges, trpc.topology.timeline, trpc.topology.fleet, trpc.hosts]) {
              void reread(derived.pathFilter());
            }
          }, 0);
        });
        return;
      case 'change':
        changeRead.current = reread({ queryKey: trpc.changes.get.queryKey({ changeId: event.changeId }) }).catch(() => undefined);
        void reread(trpc.changes.list.pathFilter());
        return;
      case 'hosts':
        void reread(trpc.hosts.pathFilter());
        void reread(trpc.topology.fleet.pathFilter());
        return;
      case 'sampled':
        // A read under way is not restarted: a wall screen of many hosts hears of every round.
        void queryClient.invalidateQueries(trpc.topology.dashboard.pathFilter(), { cancelRefetch: false });
        void queryClient.invalidateQueries(trpc.topology.rates.pathFilter(), { cancelRefetch: false });
        return;
    }
  };
  return { ready, onData, onError: () => setReady(false) };
}

/** One host's page: its draft, reads and changes; while it is open the server watches the host. */
export function HostLive({ hostId, children }: { hostId: string; children: ReactNode }) {
  const trpc = useTRPC();
  // The page arrives with the host's last read and draft (InitialGraphData).
  const { ready, onData, onError } = useEventHandler([
    { queryKey: trpc.topology.latest.queryKey({ hostId }) },
    { queryKey: trpc.changes.draft.queryKey({ hostId }) },
  ]);
  const subscription = useSubscription(trpc.live.host.subscriptionOptions({ hostId }, { onData, onError }));
  return <LiveContext.Provider value={ready && subscription.status === 'pending'}>{children}</LiveContext.Provider>;
}

/** The fleet page: every host's reads and changes. */
export function FleetLive({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const { ready, onData, onError } = useEventHandler();
  const subscription = useSubscription(trpc.live.fleet.subscriptionOptions(undefined, { onData, onError }));
  return <LiveContext.Provider value={ready && subscription.status === 'pending'}>{children}</LiveContext.Provider>;
}

/** A dashboard or wall screen: while it is open its hosts are read every `everySeconds` and it hears of each round. */
export function DashboardLive({ hostId, everySeconds, children }: { hostId?: string; everySeconds: number; children: ReactNode }) {
  const trpc = useTRPC();
  const { ready, onData, onError } = useEventHandler();
  const subscription = useSubscription(trpc.live.dashboard.subscriptionOptions({ hostId, everySeconds }, { onData, onError }));
  return <LiveContext.Provider value={ready && subscription.status === 'pending'}>{children}</LiveContext.Provider>;
}

/** Says whether the page's data arrives live, and what that means here (its title). */
export function LiveStatus({ live, liveMeans }: { live: boolean; liveMeans: string }) {
  return (
    <span
      data-testid="live-status"
      data-live={live ? 'yes' : 'no'}
      title={live ? liveMeans : 'Live updates are not connected: this page checks again every few seconds.'}
      className={`inline-flex items-center gap-1.5 text-xs ${live ? 'text-emerald-700' : 'text-slate-500'}`}
    >
      <span aria-hidden className={`h-2 w-2 rounded-full ${live ? 'bg-emerald-500' : 'bg-slate-300'}`} />
      {live ? 'Live' : 'Not live'}
    </span>
  );
}
