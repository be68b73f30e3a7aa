'use client';

import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  useEdgesState,
  useNodesState,
  useReactFlow,
  useStoreApi,
  type Connection,
  type Edge,
  type Node,
  type OnBeforeDelete,
} from '@xyflow/react';
import { pendingGraph, type PendingChange, type PendingGraph } from '@/components/changes/pending-graph';
import { nodeTypes as baseNodeTypes, type TopologyNode } from '@/components/topology/nodes';
import { GroupNode } from '@/components/topology/group-node';
import { ELK_MAX_NODES, NODE_HEIGHT, NODE_WIDTH } from '@/components/topology/layout-types';
import { useElkLayout } from '@/components/topology/use-elk-layout';
import type { Topology } from '@/server/topology/model';
import { COLUMNS, topologyToGraph, type Graph, type GraphNodeKind } from '@/server/topology/graph';
import { flowEdgeOf, layoutEdges } from '@/components/topology/flow-edges';

/** Only interfaces join bridges and bonds; VMs and libvirt networks are not dragged together. */
// Interfaces connect to bridges and bonds; VMs and their taps move onto networks and bridges.
const isValidConnection = (c: Connection | Edge) => c.source !== c.target && /^(if|vm|net):/.test(c.source) && /^(if|vm|net):/.test(c.target);
const DELETE_KEYS = ['Delete', 'Backspace'];

const nodeTypes = { ...baseNodeTypes, group: GroupNode };

export type Positions = Record<string, { x: number; y: number }>;

/** Up to this many nodes the first view fits the whole graph. */
const FIT_ALL_MAX_NODES = 400;
const LARGE_GRAPH_ZOOM = 0.6;
const MINIMAP_MAX_NODES = 1000;
/**
 * Above this many nodes React Flow is given only the nodes around the visible part of the
 * graph, re-chosen when the view stops moving. Its per-commit cost grows with every node in its
 * store (not just the drawn ones): 2,340 nodes cost ~0.4 s per commit here.
 */
const VIRTUALIZE_ABOVE = 600;
/** How much of the graph beyond each screen edge is kept mounted, in screens. */
const WINDOW_MARGIN = 0.75;

const GROUPS = [
  { id: 'group:vms', label: 'Virtual machines', kind: 'vm' as GraphNodeKind },
  { id: 'group:networks', label: 'libvirt networks', kind: 'network' as GraphNodeKind },
];

/** The smallest box around the nodes' top-left corners, or null for none. */
function cornersBox(nodes: readonly Node[]): { x0: number; y0: number; x1: number; y1: number } | null {
  if (!nodes.length) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const n of nodes) {
    x0 = Math.min(x0, n.position.x);
    y0 = Math.min(y0, n.position.y);
    x1 = Math.max(x1, n.position.x);
    y1 = Math.max(y1, n.position.y);
  }
  return { x0, y0, x1, y1 };
}

/** Background boxes behind the VMs and the libvirt networks, from their current positions. */
function withGroups(nodes: Node[]): Node[] {
  const members = nodes.filter((n) => n.type !== 'group');
  const groups: Node[] = [];
  for (const g of GROUPS) {
    const inside = members.filter((n) => (n.data as { kind?: string }).kind === g.kind && !n.hidden);
    const box = cornersBox(inside);
    if (!box) continue;
    const { x0, y0, x1, y1 } = box;
    const pad = 16;
    groups.push({
      id: g.id,
      type: 'group',
      position: { x: x0 - pad, y: y0 - pad - 18 },
      data: { label: g.label },
      style: { width: x1 - x0 + NODE_WIDTH + 2 * pad, height: y1 - y0 + NODE_HEIGHT + 2 * pad + 18 },
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

export interface TopologyCanvasProps {
  topology: Topology;
  /** Where the user put nodes; they win over the automatic layout. */
  savedPositions: Positions;
  onMoved?: (positions: Positions) => void;
  search: string;
  hiddenKinds: ReadonlySet<GraphNodeKind>;
  onSelect: (ref: string | null) => void;
  /** Changing it discards the current layout and fits the view again. */
  layoutGeneration?: number;
  onLayoutError?: (message: string) => void;
  /** Called once the first laid-out frame is on screen (benchmarks read it). */
  onFirstFrame?: () => void;
  /** Centre the view on this node (a new `seq` repeats the request). */
  focus?: { id: string; seq: number } | null;
  /** The topology with the draft applied: drawn instead, with what the draft changes marked. */
  projected?: Topology | null;
  pending?: readonly PendingChange[];
  /** Dragging between interfaces and deleting edges (admins and operators). */
  editable?: boolean;
  /** A drag from one interface's handle to another's (node ids, as React Flow reports them). */
  onConnectNodes?: (source: string, target: string) => void;
  /** Selected edges the user deleted (Delete/Backspace); the graph itself never drops them. */
  onDeleteEdges?: (edgeIds: string[]) => void;
  /** The node or edge the page shows in its inspector; kept selected across redraws. */
  selectedId?: string | null;
  /** Conflicts (fleet-wide checks) by node id, in sentences: those nodes are marked. */
  conflicts?: ReadonlyMap<string, string[]>;
  /** What a reboot would change (boot drift) by node id, in sentences: those nodes are marked "runtime only". */
  drift?: ReadonlyMap<string, string[]>;
}

/** The graph with each node some sentences are about marked (the sentences in `data[key]`). */
function withMarks(g: PendingGraph, key: 'conflicts' | 'drift', marks: ReadonlyMap<string, string[]> | undefined): PendingGraph {
  if (!marks?.size) return g;
  return { ...g, nodes: g.nodes.map((n) => (marks.has(n.id) ? { ...n, data: { ...n.data, [key]: marks.get(n.id) } } : n)) };
}

/**
 * The graph itself, with no data fetching: a topology in, React Flow out. Layout runs in a
 * Web Worker; a new topology with the same elements updates node data in place, so periodic
 * refreshes never move the view.
 */
export function TopologyCanvas(props: TopologyCanvasProps) {
  const { topology, savedPositions, onMoved, search, hiddenKinds, onSelect, layoutGeneration = 0, onLayoutError, onFirstFrame, focus } = props;
  const { projected = null, pending, editable = false, onConnectNodes, onDeleteEdges, selectedId, conflicts, drift } = props;
  const flow = useReactFlow();
  const store = useStoreApi();
  // Every node and edge with its position; React Flow gets all of them, or for big graphs the
  // window around the view.
  const allNodes = useRef<Node[]>([]);
  const allEdges = useRef<Edge[]>([]);
  const layout = useElkLayout();
  const [nodes, setNodes, onNodesChange] = useNodesState<Node>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const laidOut = useRef<{ key: string; generation: number; positions: Positions } | null>(null);
  const fittedGeneration = useRef<number | null>(null);
  const [totalNodes, setTotalNodes] = useState(0);

  /** Hands React Flow what it should hold now: everything, or the window around the view. */
  const mount = useCallback(() => {
    const every = allNodes.current;
    if (every.length <= VIRTUALIZE_ABOVE) {
      setNodes(withGroups(every));
      setEdges(allEdges.current);
      return;
    }
    const { width, height, transform } = store.getState();
    const [tx, ty, zoom] = transform;
    const w = (width || 1600) / zoom;
    const h = (height || 1000) / zoom;
    const left = -tx / zoom - w * WINDOW_MARGIN;
    const top = -ty / zoom - h * WINDOW_MARGIN;
    const right = -tx / zoom + w * (1 + WINDOW_MARGIN);
    const bottom = -ty / zoom + h * (1 + WINDOW_MARGIN);
    const inside = every.filter((n) => n.position.x + NODE_WIDTH >= left && n.position.x <= right && n.position.y + NODE_HEIGHT >= top && n.position.y <= bottom);
    const ids = new Set(inside.map((n) => n.id));
    setNodes(withGroups(inside));
    setEdges(allEdges.current.filter((e) => ids.has(e.source) && ids.has(e.target)));
  }, [setNodes, setEdges, store]);

  // Ids are the live graph's either way, so drafting keeps every position and the viewport.
  const graph: PendingGraph = useMemo(
    () => withMarks(withMarks(pendingGraph(topology, projected, pending), 'conflicts', conflicts), 'drift', drift),
    [topology, projected, pending, conflicts, drift],
  );

  useEffect(() => {
    let cancelled = false;
    const key = structureKey(graph);
    const compute = async (): Promise<Positions> => {
      if (laidOut.current?.key === key && laidOut.current.generation === layoutGeneration) return laidOut.current.positions;
      const result = await layout({
        algorithm: graph.nodes.length > ELK_MAX_NODES ? 'columns' : 'elk',
        nodes: graph.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT, partition: COLUMNS.indexOf(n.data.column) })),
        edges: layoutEdges(graph.edges),
      });
      if (result.error) onLayoutError?.(result.error);
      laidOut.current = { key, generation: layoutGeneration, positions: result.positions };
      return result.positions;
    };
    void compute().then((positions) => {
      if (cancelled) return;
      const fresh = fittedGeneration.current !== layoutGeneration;
      const toEdge = (e: Graph['edges'][number]): Edge => flowEdgeOf(e, graph.edgePending[e.id], graph.edges.length);
      if (!fresh) {
        // A refresh of the same view: update data in place, keep every position. Nodes new to
        // the view (drafted ones) take their laid-out place, nudged off any node already there.
        const here = new Map(allNodes.current.map((n) => [n.id, n.position]));
        const placed = graph.nodes.map((n) => savedPositions[n.id] ?? here.get(n.id)).filter((p): p is { x: number; y: number } => p !== undefined);
        const claim = (p: { x: number; y: number }) => (placed.push(p), p);
        allNodes.current = graph.nodes.map((n) => ({
          id: n.id,
          type: n.type,
          data: n.data,
          position: savedPositions[n.id] ?? here.get(n.id) ?? claim(freeSpot(positions[n.id] ?? { x: 0, y: 0 }, placed)),
        }));
        allEdges.current = graph.edges.map(toEdge);
        mount();
        return;
      }
      fittedGeneration.current = layoutGeneration;
      const all: Node[] = graph.nodes.map((n) => ({ id: n.id, type: n.type, data: n.data, position: savedPositions[n.id] ?? positions[n.id] ?? { x: 0, y: 0 } }));
      // Where the graph starts, for the first view of a large graph: the top of its leftmost
      // column (columns are centred on each other, so the box's corner can be empty space).
      const box = cornersBox(all);
      const leftmost = box ? all.filter((n) => n.position.x === box.x0) : [];
      const start = leftmost.length ? { x0: box!.x0, y0: Math.min(...leftmost.map((n) => n.position.y)) } : null;
      allNodes.current = all;
      allEdges.current = graph.edges.map(toEdge);
      setTotalNodes(all.length);
      if (all.length > FIT_ALL_MAX_NODES && start) {
        // Thousands of nodes are unreadable at fit-all zoom, and rendering them all in one
        // commit blocked the main thread for ~0.9 s here. Start readable at the top left
        // (uplinks first); only what is on screen is rendered.
        void flow.setViewport({ x: 24 - start.x0 * LARGE_GRAPH_ZOOM, y: 24 - start.y0 * LARGE_GRAPH_ZOOM, zoom: LARGE_GRAPH_ZOOM });
      }
      mount();
      requestAnimationFrame(() => {
        if (all.length <= FIT_ALL_MAX_NODES) void flow.fitView({ padding: 0.1 });
        requestAnimationFrame(() => onFirstFrame?.());
      });
    });
    return () => {
      cancelled = true;
    };
  }, [graph, savedPositions, layout, mount, flow, layoutGeneration, onLayoutError, onFirstFrame]);

  useEffect(() => {
    if (!focus) return;
    const target = allNodes.current.find((n) => n.id === focus.id);
    if (!target) return;
    void flow.setCenter(target.position.x + NODE_WIDTH / 2, target.position.y + NODE_HEIGHT / 2, { zoom: 1, duration: 0 });
    mount();
  }, [focus, flow, mount]);

  const onConnect = useCallback((c: Connection) => onConnectNodes?.(c.source, c.target), [onConnectNodes]);
  // The graph shows the draft, so a deletion becomes drafted operations and nothing is removed
  // here; only edges the user selected count (React Flow adds a deleted node's edges too).
  const onBeforeDelete: OnBeforeDelete = useCallback(
    async ({ edges: doomed }) => {
      const ids = doomed.filter((e) => e.selected).map((e) => e.id);
      if (ids.length) onDeleteEdges?.(ids);
      return false;
    },
    [onDeleteEdges],
  );
  const shownEdges = useMemo(
    () =>
      edges.map((e) => {
        const selected = selectedId === undefined ? Boolean(e.selected) : e.id === selectedId;
        return selected ? { ...e, selected, style: { ...e.style, strokeWidth: 3 } } : e.selected ? { ...e, selected } : e;
      }),
    [edges, selectedId],
  );
  // Keyboard selection: Tab to a node or edge, then Enter. (React Flow's onSelectionChange is
  // not used for this: the page sets `selected` on nodes from `selectedId`, and echoing React
  // Flow's selection back into the page made the two chase each other, React error #185.)
  const onKeyDown = useCallback(
    (e: React.KeyboardEvent) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      const target = (e.target as HTMLElement).closest<HTMLElement>('.react-flow__node, .react-flow__edge');
      const id = target?.dataset.id;
      if (id && !id.startsWith('group')) onSelect(id);
    },
    [onSelect],
  );

  // Search dims what does not match; the kind filter hides. Both only touch display flags.
  const visibleNodes = useMemo(() => {
    const q = search.trim().toLowerCase();
    return nodes.map((n) => {
      if (n.type === 'group') return n;
      const data = n.data as TopologyNode['data'];
      const dimmed = q !== '' && !data.label.toLowerCase().includes(q);
      const hidden = hiddenKinds.has(data.kind);
      // A redraw (refresh, draft change) rebuilds nodes unselected; the page's choice wins.
      const selected = selectedId === undefined ? Boolean(n.selected) : n.id === selectedId;
      return dimmed === Boolean(data.dimmed) && hidden === Boolean(n.hidden) && selected === Boolean(n.selected)
        ? n
        : { ...n, hidden, selected, data: { ...data, dimmed } };
    });
  }, [nodes, search, hiddenKinds, selectedId]);

  const onNodeDragStop = useCallback(
    (_: unknown, __: Node, moved: Node[]) => {
      const positions: Positions = {};
      for (const n of moved) if (n.type !== 'group') positions[n.id] = n.position;
      allNodes.current = allNodes.current.map((n) => (positions[n.id] ? { ...n, position: positions[n.id]! } : n));
      onMoved?.(positions);
      setNodes((current) => withGroups(current.filter((n) => n.type !== 'group')));
    },
    [onMoved, setNodes],
  );

  return (
    <ReactFlow
      nodes={visibleNodes}
      edges={shownEdges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onEdgesChange={onEdgesChange}
      onNodeClick={(_, n) => n.type !== 'group' && onSelect(n.id)}
      onEdgeClick={(_, e) => onSelect(e.id)}
      onKeyDown={onKeyDown}
      onPaneClick={() => onSelect(null)}
      onNodeDragStop={onNodeDragStop}
      onMoveEnd={() => allNodes.current.length > VIRTUALIZE_ABOVE && mount()}
      nodesConnectable={editable}
      isValidConnection={isValidConnection}
      onConnect={onConnect}
      connectionRadius={30}
      deleteKeyCode={editable ? DELETE_KEYS : null}
      onBeforeDelete={onBeforeDelete}
      minZoom={0.02}
      maxZoom={2}
      onlyRenderVisibleElements
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={24} color="#e2e8f0" />
      <Controls showInteractive={false} />
      {/* The minimap draws every node; above this size it costs more main-thread time than it helps. */}
      {totalNodes <= MINIMAP_MAX_NODES && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
    </ReactFlow>
  );
}

/** `at`, or the nearest spot below it where a node does not overlap any of `taken`. */
function freeSpot(at: { x: number; y: number }, taken: readonly { x: number; y: number }[]): { x: number; y: number } {
  const clash = (p: { x: number; y: number }) => taken.some((t) => Math.abs(t.x - p.x) < NODE_WIDTH && Math.abs(t.y - p.y) < NODE_HEIGHT);
  let p = at;
  for (let i = 0; i < 50 && clash(p); i++) p = { x: at.x, y: at.y + (i + 1) * (NODE_HEIGHT + 12) };
  return p;
}

/** The first graph node whose name contains `query` (case-insensitive), by the graph's order. */
export function findNodeId(topology: Topology, query: string): string | null {
  const q = query.trim().toLowerCase();
  if (!q) return null;
  return topologyToGraph(topology).nodes.find((n) => n.data.label.toLowerCase().includes(q))?.id ?? null;
}
