'use client';

import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { PendingMark } from '@/components/changes/pending-graph';
import type { GraphNodeData, GraphNodeKind, PortForwardBadge } from '@/server/topology/graph';
import { NODE_HEIGHT, NODE_WIDTH, STACKED_SOURCE, STACKED_TARGET } from './layout-types';

export type TopologyNode = Node<GraphNodeData, 'iface' | 'vm' | 'network'>;

/** Short tag and colour per kind: readable at a glance, and the same in the legend. */
export const KIND_STYLE: Record<GraphNodeKind, { tag: string; className: string; label: string }> = {
  ethernet: { tag: 'NIC', className: 'bg-slate-800 text-white', label: 'Physical NIC' },
  veth: { tag: 'VETH', className: 'bg-indigo-600 text-white', label: 'veth' },
  bridge: { tag: 'BR', className: 'bg-sky-600 text-white', label: 'Bridge' },
  bond: { tag: 'BOND', className: 'bg-violet-600 text-white', label: 'Bond' },
  vlan: { tag: 'VLAN', className: 'bg-fuchsia-600 text-white', label: 'VLAN' },
  vxlan: { tag: 'VXLAN', className: 'bg-teal-600 text-white', label: 'VXLAN' },
  macvlan: { tag: 'MACV', className: 'bg-cyan-700 text-white', label: 'macvlan' },
  macvtap: { tag: 'MTAP', className: 'bg-amber-600 text-white', label: 'macvtap' },
  tap: { tag: 'TAP', className: 'bg-orange-500 text-white', label: 'tap' },
  tun: { tag: 'TUN', className: 'bg-orange-700 text-white', label: 'tun' },
  dummy: { tag: 'DUM', className: 'bg-stone-500 text-white', label: 'dummy' },
  loopback: { tag: 'LO', className: 'bg-stone-400 text-white', label: 'loopback' },
  other: { tag: '?', className: 'bg-stone-600 text-white', label: 'other' },
  vm: { tag: 'VM', className: 'bg-emerald-700 text-white', label: 'Virtual machine' },
  network: { tag: 'NET', className: 'bg-blue-800 text-white', label: 'libvirt network' },
  'ovs-bridge': { tag: 'OVS', className: 'bg-lime-700 text-white', label: 'Open vSwitch bridge' },
  'ovs-port': { tag: 'OVSP', className: 'bg-lime-600 text-white', label: 'OVS port (internal, tunnel, patch, bond)' },
};

const STATUS_BORDER: Record<GraphNodeData['status'], string> = {
  ok: 'border-l-emerald-500',
  down: 'border-l-red-500',
  nocarrier: 'border-l-amber-500',
  unknown: 'border-l-slate-400',
  idle: 'border-l-slate-300',
};

const STATUS_TEXT: Record<GraphNodeData['status'], string> = {
  ok: 'up',
  down: 'down',
  nocarrier: 'no carrier',
  unknown: 'paused',
  idle: 'inactive',
};

/** How a node the draft touches looks: ghosted when it would be created, struck when deleted. */
const PENDING_STYLE: Record<PendingMark, string> = {
  added: '!border-dashed !border-sky-500 !bg-sky-50/70 opacity-75',
  removed: '!border-red-400 !bg-red-50',
  changed: '!border-amber-400',
};

// The same marks show a draft, a change's before and after, and a change made outside Switchboard.
const PENDING_TEXT: Record<PendingMark, string> = { added: 'new', removed: 'deleted', changed: 'changed' };

function NodeBody({ data, selected }: { data: GraphNodeData; selected: boolean }) {
  const kind = KIND_STYLE[data.kind];
  const pending = data.pending as PendingMark | undefined;
  const conflicts = data.conflicts as string[] | undefined;
  const drift = data.drift as string[] | undefined;
  return (
    <div
      data-kind={data.kind}
      data-column={data.column}
      data-status={data.status}
      data-pending={pending}
      title={`${kind.label} ${data.label}: ${STATUS_TEXT[data.status]}${pending ? ` (${PENDING_TEXT[pending]})` : ''}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      className={`relative rounded-md border border-l-4 bg-white px-2 py-1 text-left shadow-sm ${STATUS_BORDER[data.status]} ${
        selected ? 'ring-2 ring-sky-500' : 'border-slate-200'
      } ${data.dimmed ? 'opacity-25' : ''} ${pending ? PENDING_STYLE[pending] : ''} ${conflicts ? '!border-red-500 !bg-red-50' : ''}`}
    >
      {conflicts && (
        <span data-testid="node-conflict" title={conflicts.join('\n')} className="absolute -top-2 left-1.5 rounded-full bg-red-600 px-1.5 text-[9px] font-semibold uppercase leading-4 tracking-wide text-white shadow-sm">
          conflict
        </span>
      )}
      {drift && (
        <span
          data-testid="node-runtime-only"
          title={`Runtime only (a reboot changes it):\n${drift.join('\n')}`}
          className="absolute -bottom-2 left-1.5 rounded-full bg-amber-200 px-1.5 text-[9px] font-semibold uppercase leading-4 tracking-wide text-amber-950 shadow-sm ring-1 ring-amber-500"
        >
          runtime only
        </span>
      )}
      {pending && (
        <span
          className={`absolute -top-2 right-1.5 rounded-full px-1.5 text-[9px] font-semibold uppercase leading-4 tracking-wide text-white shadow-sm ${
            pending === 'added' ? 'bg-sky-600' : pending === 'removed' ? 'bg-red-600' : 'bg-amber-500'
          }`}
        >
          {PENDING_TEXT[pending]}
        </span>
      )}
      <div className="flex items-center gap-1.5">
        <span className={`rounded px-1 py-px text-[10px] font-bold tracking-wide ${kind.className}`}>{kind.tag}</span>
        <span data-testid="node-label" className={`truncate text-base font-semibold leading-6 ${pending === 'removed' ? 'text-red-800 line-through' : 'text-slate-900'}`}>{data.label}</span>
        {data.status !== 'ok' && <span className="ml-auto shrink-0 text-[11px] text-slate-500">{STATUS_TEXT[data.status]}</span>}
      </div>
      {data.subtitle && <div className="truncate text-xs text-slate-500">{data.subtitle}</div>}
      {(data.badges.length > 0 || (data.portForwards?.length ?? 0) > 0) && (
        // What fits of the badges in the fixed-size box, port forwards first; the tooltip and the
        // inspector have them all.
        <div className="mt-0.5 flex flex-wrap gap-1 overflow-hidden" style={{ maxHeight: 18 }} title={data.badges.join(', ')}>
          <PortForwardBadges badges={data.portForwards ?? []} />
          {data.badges.slice(0, 4).map((b) => (
            <span key={b} className="rounded bg-slate-100 px-1 text-[11px] leading-4 text-slate-700">
              {b}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}

/** Port forwards shown on a node before the rest are summed up in one "+N" badge (its tooltip lists them). */
const PORT_FORWARD_BADGES = 3;

/** Port forwards that end at a node: "tcp 8080 → 80", the whole rule in the tooltip. */
export function PortForwardBadges({ badges }: { badges: readonly PortForwardBadge[] }) {
  const shown = badges.length > PORT_FORWARD_BADGES + 1 ? badges.slice(0, PORT_FORWARD_BADGES) : badges;
  const rest = badges.slice(shown.length);
  return (
    <>
      {shown.map((b) => (
        <span
          key={b.title}
          data-testid="port-forward-badge"
          data-blocked={b.blocked ? 'true' : undefined}
          title={`Port forward: ${b.title}${b.blocked ? `\n${b.blocked}` : ''}`}
          className={b.blocked ? 'rounded bg-red-100 px-1 text-[10px] text-red-900 ring-1 ring-inset ring-red-400' : 'rounded bg-orange-100 px-1 text-[10px] text-orange-900 ring-1 ring-inset ring-orange-300'}
        >
          {b.blocked ? `${b.text} (blocked)` : b.text}
        </span>
      ))}
      {rest.length > 0 && (
        <span data-testid="port-forward-more" title={rest.map((b) => `Port forward: ${b.title}`).join('\n')} className="rounded bg-orange-100 px-1 text-[10px] text-orange-900 ring-1 ring-inset ring-orange-300">
          +{rest.length} forwards
        </span>
      )}
    </>
  );
}

// Big enough to grab with a mouse (React Flow's default is 6 px); the ring shows on hover.
const HANDLE_CLASS =
  '!z-10 !h-3 !w-3 !border-2 !border-white !bg-slate-400 shadow-sm transition-transform hover:!scale-125 hover:!bg-sky-500';

// Who cannot edit gets no handles to drag from; they stay in place, unseen, for edges to meet.
const READ_ONLY_HANDLE_CLASS = '!invisible';

function GraphNodeView({ data, selected, isConnectable }: NodeProps<TopologyNode>) {
  const handleClass = isConnectable ? HANDLE_CLASS : READ_ONLY_HANDLE_CLASS;
  return (
    <>
      <Handle type="target" position={Position.Left} className={handleClass} />
      <NodeBody data={data} selected={selected} />
      <Handle type="source" position={Position.Right} className={handleClass} />
      {/* Where an edge between two stacked nodes of one column (a veth pair) leaves and arrives; not for dragging. */}
      {data.stack === 'upper' && <Handle type="source" id={STACKED_SOURCE} position={Position.Bottom} isConnectable={false} className={READ_ONLY_HANDLE_CLASS} />}
      {data.stack === 'lower' && <Handle type="target" id={STACKED_TARGET} position={Position.Top} isConnectable={false} className={READ_ONLY_HANDLE_CLASS} />}
    </>
  );
}

const MemoNode = memo(GraphNodeView);

// Defined once at module scope: a new object each render would remount every node.
export const nodeTypes = { iface: MemoNode, vm: MemoNode, network: MemoNode };
