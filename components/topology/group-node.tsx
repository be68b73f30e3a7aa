'use client';

import { memo } from 'react';
import type { Node, NodeProps } from '@xyflow/react';

type GroupData = { label: string };

function GroupNodeView({ data }: NodeProps<Node<GroupData, 'group'>>) {
  return (
    <div className="pointer-events-none h-full w-full rounded-xl border border-dashed border-slate-300 bg-slate-50/60">
      <div className="px-3 pt-1 text-[11px] font-semibold uppercase tracking-wide text-slate-500">{data.label}</div>
    </div>
  );
}

export const GroupNode = memo(GroupNodeView);
