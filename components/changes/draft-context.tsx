'use client';

// The draft of the host being edited, shared by the graph, the inspector, the "New" menu and
// the draft panel. The draft itself lives on the server (another browser or operator sees the
// same one); this is the per-editor handle on it (DESIGN.md rule 8: never inside node data).
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import type { RouterOutputs } from '@/components/trpc/types';
import type { Operation } from '@/server/plan/ops';
import { useLive } from '@/components/live/live-events';

export type DraftView = RouterOutputs['changes']['draft'];

/** Picks up what other operators draft on the same host while this page is open. */
const DRAFT_POLL_MS = 15_000;

export interface AddCallbacks {
  onSuccess?: (draft: DraftView) => void;
  onError?: (error: unknown) => void;
}

export interface DraftEditor {
  hostId: string;
  /** Admins and operators; the server enforces it, this only hides the controls. */
  canEdit: boolean;
  draft: DraftView | undefined;
  add: (operations: Operation[], callbacks?: AddCallbacks) => void;
  adding: boolean;
  /** The last failed add that no form took care of (shown near the graph). */
  error: unknown;
  clearError: () => void;
  /** A short message for the user (e.g. why a drag did not connect anything). */
  notice: string | null;
  setNotice: (notice: string | null) => void;
  /** Replaces the cached draft with a view a mutation returned. */
  setDraft: (draft: DraftView) => void;
}

const DraftContext = createContext<DraftEditor | null>(null);

/** `initial`: the draft as the page read it on the server (the query's own answer), and when. */
export function useDraftEditorState(hostId: string, canEdit: boolean, initial?: { draft: DraftView; readAt: number }): DraftEditor {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // Another operator's edit arrives as a live event; the timer stands in only while none can.
  const draftQuery = useQuery({ ...trpc.changes.draft.queryOptions({ hostId }), initialData: initial?.draft, initialDataUpdatedAt: initial?.readAt, refetchInterval: useLive() ? false : DRAFT_POLL_MS });
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const setDraft = useCallback(
    (draft: DraftView) => queryClient.setQueryData(trpc.changes.draft.queryKey({ hostId }), draft),
    [queryClient, trpc, hostId],
  );
  const addMutation = useMutation(trpc.changes.addOperations.mutationOptions());
  const { mutate } = addMutation;
  const add = useCallback(
    (operations: Operation[], callbacks?: AddCallbacks) => {
      setError(null);
      setNotice(null);
      mutate(
        { hostId, operations },
        {
          onSuccess: (draft) => {
            setDraft(draft);
            callbacks?.onSuccess?.(draft);
          },
          onError: (err) => (callbacks?.onError ? callbacks.onError(err) : setError(err)),
        },
      );
    },
    [mutate, hostId, setDraft],
  );
  const clearError = useCallback(() => setError(null), []);
  return useMemo(
    () => ({ hostId, canEdit, draft: draftQuery.data, add, adding: addMutation.isPending, error, clearError, notice, setNotice, setDraft }),
    [hostId, canEdit, draftQuery.data, add, addMutation.isPending, error, clearError, notice, setDraft],
  );
}

export function DraftProvider({ editor, children }: { editor: DraftEditor; children: ReactNode }) {
  return <DraftContext.Provider value={editor}>{children}</DraftContext.Provider>;
}

export function useDraftEditor(): DraftEditor {
  const editor = useContext(DraftContext);
  if (!editor) throw new Error('useDraftEditor needs a DraftProvider (the host graph provides one).');
  return editor;
}

/** For components also used outside a host editor (they then show no editing controls). */
export function useOptionalDraftEditor(): DraftEditor | null {
  return useContext(DraftContext);
}
