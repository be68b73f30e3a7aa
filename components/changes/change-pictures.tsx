'use client';

import { useMemo } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { useQuery } from '@tanstack/react-query';
import { pictureDifferences, pictureSummary } from '@/components/changes/picture-differences';
import type { PendingMark } from '@/components/changes/pending-graph';
import { TopologyCanvas } from '@/components/topology/topology-canvas';
import { useTRPC } from '@/components/trpc/client';
import { ErrorMessage } from '@/components/ui/error-message';
import type { GraphNodeKind } from '@/server/topology/graph';
import type { Topology } from '@/server/topology/model';

const NO_POSITIONS = {};
const NO_KINDS = new Set<GraphNodeKind>();
const ignore = () => {};

/**
 * A change's host before and after, side by side. Both pictures are laid out from the "before"
 * host, so everything that stayed sits in the same place in both; what was added, removed or
 * changed is highlighted.
 */
export function ChangePictures({ changeId }: { changeId: string }) {
  const trpc = useTRPC();
  const pictures = useQuery(trpc.changes.pictures.queryOptions({ changeId }));
  const before = (pictures.data?.before ?? null) as Topology | null;
  const after = (pictures.data?.after ?? null) as Topology | null;
  const differences = useMemo(() => (before && after ? pictureDifferences(before, after) : null), [before, after]);
  const changed = useMemo(() => new Map<string, PendingMark>([...(differences?.changed ?? [])].map((id) => [id, 'changed'])), [differences]);

  if (pictures.error) return <ErrorMessage error={pictures.error} />;
  if (!pictures.data) return <p className="text-sm text-slate-500">Drawing the host before and after…</p>;
  if (!before || !after || !differences) return <p className="text-sm text-slate-500">This change never reached the host, so there is no picture of it before and after.</p>;
  return (
    <div className="space-y-2" data-testid="change-pictures">
      <p className="text-sm text-slate-600" data-testid="change-pictures-summary">
        {pictureSummary(differences)}
      </p>
      <div className="grid gap-3 xl:grid-cols-2">
        <Picture title="Before" testId="picture-before" before={before} after={after} marks={changed} leaveOut="added" />
        <Picture
          title={pictures.data.afterIs === 'read' ? 'After' : 'After, as planned (the host was not read afterwards)'}
          testId="picture-after"
          before={before}
          after={after}
          marks={changed}
          leaveOut="removed"
        />
      </div>
    </div>
  );
}

/** One side: the graph diff from before to after, without what this side did not have. */
function Picture(props: { title: string; testId: string; before: Topology; after: Topology; marks: ReadonlyMap<string, PendingMark>; leaveOut: 'added' | 'removed' }) {
  const { title, testId, before, after, marks, leaveOut } = props;
  return (
    <figure className="min-w-0">
      <figcaption className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</figcaption>
      <div className="relative h-[24rem] rounded-lg border border-slate-200 bg-white" data-testid={testId}>
        <div className="absolute inset-0">
          <ReactFlowProvider>
            <TopologyCanvas topology={before} projected={after} leaveOut={leaveOut} marks={marks} savedPositions={NO_POSITIONS} matches={null} hiddenKinds={NO_KINDS} onSelect={ignore} />
          </ReactFlowProvider>
        </div>
      </div>
    </figure>
  );
}
