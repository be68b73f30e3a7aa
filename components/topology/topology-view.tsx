'use client';

import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Edge,
  type Node,
} from '@xyflow/react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc/client';
import { Button } from '@/components/ui/button';
import { ErrorMessage } from '@/components/ui/error-message';
import { RelativeTime } from '@/components/hosts/host-status';
import { Inspector } from '@/components/topology/inspector';
import { KIND_STYLE, nodeTypes as baseNodeTypes, type TopologyNode } from '@/components/topology/nodes';
import { GroupNode } from '@/components/topology/group-node';
import { NODE_HEIGHT, NODE_WIDTH } from '@/components/topology/layout-types';
import { useElkLayout } from '@/components/topology/use-elk-layout';
import { COLUMNS, topologyToGraph, type Graph, type GraphEdgeKind, type GraphNodeKind } from '@/server/topology/graph';

const nodeTypes = { ...baseNodeTypes, group: GroupNode };

/** How often an open graph re-reads the host. A refresh is one SSH exec (~0.1-0.3 s). */
const REFRESH_EVERY_MS = 30_000;

const EDGE_STYLE: Record<GraphEdgeKind, { stroke: string; strokeDasharray?: string }> = {
  member: { stroke: '#0284c7' },
  parent: { stroke: '#7c3aed' },
  peer: { stroke: '#4f46e5', strokeDasharray: '2 3' },
  vnic: { stroke: '#059669' },
  'network-bridge': { stroke: '#1e40af', strokeDasharray: '6 3' },
  'vnic-config': { stroke: '#94a3b8', strokeDasharray: '4 4' },
};

type Positions = Record<string, { x: number; y: number }>;

const GROUPS = [
  { id: 'group:vms', label: 'Virtual machines', kind: 'vm' as GraphNodeKind },
  { id: 'group:networks', label: 'libvirt networks', kind: 'network' as GraphNodeKind },
];

/** Background boxes behind the VMs and the libvirt networks, from their current positions. */
function withGroups(nodes: Node[]): Node[] {
  const members = nodes.filter((n) => n.type !== 'group');
  const groups: Node[] = [];
  for (const g of GROUPS) {
    const inside = members.filter((n) => (n.data as { kind?: string }).kind === g.kind && !n.hidden);
    if (!inside.length) continue;
    const pad = 16;
    const x0 = Math.min(...inside.map((n) => n.position.x)) - pad;
    const y0 = Math.min(...inside.map((n) => n.position.y)) - pad - 18;
    const x1 = Math.max(...inside.map((n) => n.position.x)) + NODE_WIDTH + pad;
    const y1 = Math.max(...inside.map((n) => n.position.y)) + NODE_HEIGHT + pad;
    groups.push({
      id: g.id,
      type: 'group',
      position: { x: x0, y: y0 },
      data: { label: g.label },
      style: { width: x1 - x0, height: y1 - y0 },
      selectable: false,
      draggable: false,
      zIndex: -1,
    });
  }
  return [...groups, ...members];
}

function structureKey(g: Graph): string {
  return `${g.nodes.map((n) => n.id).join('|')}#${g.edges.map((e) => e.id).join('|')}`;
}

function GraphCanvas({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const flow = useReactFlow();
  const layout = useElkLayout();
  // The last stored state shows at once; each refresh then supersedes it (a refresh stores a
  // snapshot only when something changed, so its own time says how fresh the view is).
  const latest = useQuery(trpc.topology.latest.queryOptions({ hostId }));
  const saved = useQuery(trpc.topology.positions.queryOptions({ hostId }));
  const refresh = useMutation(trpc.topology.refresh.mutationOptions());
  const savePositions = useMutation(trpc.topology.savePositions.mutationOptions());
  const { mutate: runRefresh } = refresh;

  useEffect(() => {
    runRefresh({ hostId });
    const timer = setInterval(() => runRefresh({ hostId }), REFRESH_EVERY_MS);
    return () => clearInterval(timer);
  }, [hostId, runRefresh]);

  const [search, setSearch] = useState('');
  const [hiddenKinds, setHiddenKinds] = useState<Set<GraphNodeKind>>(new Set());
  const [selected, setSelected] = useState<string | null>(null);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  const [nodes, setNodes, onNodesChange] = useNodesState<Node>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const laidOut = useRef<{ key: string; positions: Positions } | null>(null);
  const fitted = useRef(false);

  const topology = refresh.data?.topology ?? latest.data?.topology ?? null;
  const dataTime = refresh.data?.observedAt ?? latest.data?.observedAt ?? null;
  const graph = useMemo(() => (topology ? topologyToGraph(topology) : null), [topology]);
  const savedPositions = saved.data;

  useEffect(() => {
    if (!graph || savedPositions === undefined) return;
    let cancelled = false;
    const key = structureKey(graph);
    const compute = async (): Promise<Positions> => {
      if (laidOut.current?.key === key) return laidOut.current.positions;
      const result = await layout({
        nodes: graph.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT, partition: COLUMNS.indexOf(n.data.column) })),
        edges: graph.edges,
      });
      if (result.error) setLayoutError(result.error);
      laidOut.current = { key, positions: result.positions };
      return result.positions;
    };
    void compute().then((positions) => {
      if (cancelled) return;
      // In place: same ids keep their place (dragged ones where the user put them), so a
      // refresh never jumps the view; only the data (status, badges) changes.
      setNodes((current) => {
        const here = new Map(current.map((n) => [n.id, n.position]));
        const next: Node[] = graph.nodes.map((n) => ({
          id: n.id,
          type: n.type,
          data: n.data,
          position: savedPositions[n.id] ?? here.get(n.id) ?? positions[n.id] ?? { x: 0, y: 0 },
        }));
        return withGroups(next);
      });
      setEdges(
        graph.edges.map((e) => ({
          id: e.id,
          source: e.source,
          target: e.target,
          data: { kind: e.kind },
          style: EDGE_STYLE[e.kind],
          animated: e.kind === 'vnic',
        })),
      );
      if (!fitted.current) {
        fitted.current = true;
        requestAnimationFrame(() => void flow.fitView({ padding: 0.1 }));
      }
    });
    return () => {
      cancelled = true;
    };
  }, [graph, savedPositions, layout, setNodes, setEdges, flow]);

  // Search dims what does not match; the kind filter hides. Both only touch display flags.
  const visibleNodes = useMemo(() => {
    const q = search.trim().toLowerCase();
    return nodes.map((n) => {
      if (n.type === 'group') return n;
      const data = n.data as TopologyNode['data'];
      const dimmed = q !== '' && !data.label.toLowerCase().includes(q);
      const hidden = hiddenKinds.has(data.kind);
      return dimmed === Boolean(data.dimmed) && hidden === Boolean(n.hidden) ? n : { ...n, hidden, data: { ...data, dimmed } };
    });
  }, [nodes, search, hiddenKinds]);

  const onNodeDragStop = useCallback(
    (_: unknown, __: Node, moved: Node[]) => {
      const positions: Positions = {};
      for (const n of moved) if (n.type !== 'group') positions[n.id] = n.position;
      savePositions.mutate({ hostId, positions });
      setNodes((current) => withGroups(current.filter((n) => n.type !== 'group')));
    },
    [hostId, savePositions, setNodes],
  );

  const resetLayout = () => {
    savePositions.mutate(
      { hostId, positions: {}, reset: true },
      {
        onSuccess: async () => {
          laidOut.current = null;
          setNodes([]);
          fitted.current = false;
          await queryClient.invalidateQueries({ queryKey: trpc.topology.positions.queryKey({ hostId }) });
        },
      },
    );
  };

  const findFirst = () => {
    const q = search.trim().toLowerCase();
    const hit = nodes.find((n) => n.type !== 'group' && (n.data as TopologyNode['data']).label.toLowerCase().includes(q));
    if (hit) {
      setSelected(hit.id);
      void flow.fitView({ nodes: [{ id: hit.id }], padding: 2, duration: 300 });
    }
  };

  const kindsPresent = useMemo(() => [...new Set(graph?.nodes.map((n) => n.data.kind) ?? [])], [graph]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <Button variant="secondary" onClick={() => runRefresh({ hostId })} disabled={refresh.isPending}>
          {refresh.isPending ? 'Refreshing…' : 'Refresh'}
        </Button>
        <span className="text-slate-600" data-testid="data-age">
          {dataTime ? (
            <>
              Data from <RelativeTime at={dataTime} />
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
            findFirst();
          }}
        >
          <input
            aria-label="Search nodes"
            placeholder="Search by name"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="w-48 rounded-md border border-slate-300 px-2 py-1 text-sm"
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
          <ReactFlow
            nodes={visibleNodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onNodeClick={(_, n) => n.type !== 'group' && setSelected(n.id)}
            onPaneClick={() => setSelected(null)}
            onNodeDragStop={onNodeDragStop}
            nodesConnectable={false}
            minZoom={0.05}
            maxZoom={2}
            onlyRenderVisibleElements
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} color="#e2e8f0" />
            <Controls showInteractive={false} />
            <MiniMap pannable zoomable nodeStrokeWidth={3} />
          </ReactFlow>
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
      <GraphCanvas hostId={hostId} />
    </ReactFlowProvider>
  );
}
