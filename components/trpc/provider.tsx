'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpBatchStreamLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/api/root';
import { TRPCProvider } from '@/components/trpc/client';

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retrying cannot fix a refused or invalid request; only retry transport failures.
        retry: (failureCount, error) =>
          !(error instanceof TRPCClientError && error.data?.httpStatus && error.data.httpStatus < 500) &&
          failureCount < 2,
      },
    },
  });
}

export function TrpcReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      // Same-origin relative URL: the browser adds Origin and the cookie; httpBatchLink sends
      // Content-Type: application/json, which the CSRF check requires. Subscriptions (live
      // events) are server-sent events: a GET that only reads, with the same cookie. Queries are
      // batched but streamed, each answer as soon as it is ready: a page's graph does not wait
      // for the slowest query of its batch (the fleet-wide conflict check). Mutations stay
      // unstreamed: signing in sets a cookie, which needs the headers after the answer.
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url: '/api/trpc' }),
          false: splitLink({
            condition: (op) => op.type === 'query',
            true: httpBatchStreamLink({ url: '/api/trpc' }),
            false: httpBatchLink({ url: '/api/trpc' }),
          }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
