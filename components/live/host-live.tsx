'use client';

// Live events for one host's page (issue 15): the draft, the topology and the host's changes are
// re-read the moment the server says they changed (another operator's edit, another tab's read, an
// apply's steps), instead of on a timer. While the subscription is up, views turn their polling
// off (useLive); when it drops they poll again until it is back, and on its return everything is
// re-read once (the server opens each subscription with "ready").
import { createContext, useContext, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from '@/components/trpc/client';

const LiveContext = createContext(false);

/** Whether this view's data arrives live (then it need not poll). */
export const useLive = () => useContext(LiveContext);

export function HostLive({ hostId, children }: { hostId: string; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [ready, setReady] = useState(false);
  // Whether a "ready" came before: the next one is a reconnect. (The subscription calls the
  // latest render's callbacks, so this is never stale.)
  const [connectedBefore, setConnectedBefore] = useState(false);
  const subscription = useSubscription(
    trpc.live.host.subscriptionOptions(
      { hostId },
      {
        onData: (event) => {
          switch (event.kind) {
            case 'ready':
              // A reconnect: what happened while it was down is read again.
              if (connectedBefore) void queryClient.invalidateQueries();
              else setConnectedBefore(true);
              setReady(true);
              return;
            case 'draft':
              void queryClient.invalidateQueries({ queryKey: trpc.changes.draft.queryKey({ hostId }) });
              return;
            case 'topology':
              void queryClient.invalidateQueries(trpc.topology.pathFilter());
              return;
            case 'change':
              void queryClient.invalidateQueries({ queryKey: trpc.changes.get.queryKey({ changeId: event.changeId }) });
              void queryClient.invalidateQueries(trpc.changes.list.pathFilter());
              return;
            case 'hosts':
              return;
          }
        },
        onError: () => setReady(false),
      },
    ),
  );
  const live = ready && subscription.status === 'pending';
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}
