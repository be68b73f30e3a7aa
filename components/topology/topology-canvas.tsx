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
import { pendingGraph, type PendingChange, type PendingGraph, type PendingMark } from '@/components/changes/pending-graph';
import { nodeTypes as baseNodeTypes, type TopologyNode } from '@/components/topology/nodes';
import { GroupNode } from '@/components/topology/group-node';
import { ELK_MAX_NODES, NODE_HEIGHT, NODE_WIDTH } from '@/components/topology/layout-types';
import { layoutCache, type CachedLayout } from '@/components/topology/layout-cache';
import { useElkLayout } from '@/components/topology/use-elk-layout';
import type { Topology } from '@/server/topology/model';
import { COLUMNS, topologyToGraph, type Graph, type GraphNodeKind } from '@/server/topology/graph';
import { flowEdgeOf } from '@/components/topology/flow-edges';
import { layoutRequestOf, leftToRight, stackedEdges, unstack, withStackEnds } from '@/components/topology/layout-input';
import { RoutedEdge } from '@/components/topology/routed-edge';
import { placeNewcomers } from '@/components/topology/placement';

/** Only interfaces join bridges and bonds; VMs and libvirt networks are not dragged together. */
// Interfaces connect to bridges and bonds; VMs and their taps move onto networks and bridges.
const isValidConnection = (c: Connection | Edge) => c.source !== c.target && /^(if|vm|net):/.test(c.source) && /^(if|vm|net):/.test(c.target);
const DELETE_KEYS = ['Delete', 'Backspace'];

const nodeTypes = { ...baseNodeTypes, group: GroupNode };
const edgeTypes = { routed: RoutedEdge };

export type Positions = Record<string, { x: number; y: number }>;

/** Up to this many nodes the first view fits the whole graph. */
const FIT_ALL_MAX_NODES = 400;
const LARGE_GRAPH_ZOOM = 0.6;
/** Room around the graph in the fitted first view, as a share of the canvas. */
const FIT_PADDING = 0.04;
/** A small graph is not blown up past this in the first view. */
const FIT_MAX_ZOOM = 1.25;
const MINIMAP_MAX_NODES = 1000;
/** Below this many nodes the whole graph fits the view and a minimap would only cover part of it. */
const MINIMAP_MIN_NODES = 60;
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

const byName = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The graph in a fixed order, column by column and by name (eth2 before eth10), so the layout
 * does not depend on the order the host listed things in (ifindex, libvirt's list).
 */
export function sortedForLayout(g: Graph): Graph {
  const column = (n: Graph['nodes'][number]) => COLUMNS.indexOf(n.data.column);
  const nodes = [...g.nodes].sort((a, b) => column(a) - column(b) || byName(a.data.label, b.data.label) || byName(a.id, b.id));
  const edges = [...g.edges].sort((a, b) => byName(a.id, b.id));
  return { nodes, edges };
}

export interface TopologyCanvasProps {
  topology: Topology;
  /** Where the user put nodes; they win over the automatic layout. */
  savedPositions: Positions;
  onMoved?: (positions: Positions) => void;
  /** The nodes a search found (the rest are dimmed), or null when nothing is searched for. */
  matches: ReadonlySet<string> | null;
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
  /** Nodes to mark as added, removed or changed whatever the draft says (a change's before and after pictures). */
  marks?: ReadonlyMap<string, PendingMark>;
  /**
   * Leave out what the projection adds (a change's "before" picture) or removes (its "after"
   * picture), nodes and connections, instead of drawing it marked.
   */
  leaveOut?: 'added' | 'removed';
}

/** The graph with `marks` on its nodes, and without what `leaveOut` names. */
function withPictureMarks(g: PendingGraph, marks: ReadonlyMap<string, PendingMark> | undefined, leaveOut: 'added' | 'removed' | undefined): PendingGraph {
  if (!marks?.size && !leaveOut) return g;
  const kept = leaveOut ? g.nodes.filter((n) => n.data.pending !== leaveOut) : g.nodes;
  const ids = new Set(kept.map((n) => n.id));
  const edges = leaveOut ? g.edges.filter((e) => ids.has(e.source) && ids.has(e.target) && g.edgePending[e.id] !== leaveOut) : g.edges;
  return {
    nodes: kept.map((n) => (marks?.has(n.id) ? { ...n, data: { ...n.data, pending: marks.get(n.id) } } : n)),
    edges,
    edgePending: g.edgePending,
  };
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
  const { topology, savedPositions, onMoved, matches, hiddenKinds, onSelect, layoutGeneration = 0, onLayoutError, onFirstFrame, focus } = props;
  const { projected = null, pending, editable = false, onConnectNodes, onDeleteEdges, selectedId, conflicts, drift, marks, leaveOut } = props;
  const flow = useReactFlow();
  const store = useStoreApi();
  // Every node and edge with its position; React Flow gets all of them, or for big graphs the
  // window around the view.
  const allNodes = useRef<Node[]>([]);
  const allEdges = useRef<Edge[]>([]);
  const layout = useElkLayout();
  const [nodes, setNodes, onNodesChange] = useNodesState<Node>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const laidOut = useRef<{ key: string; generation: number; positions: Positions; routes: Record<string, { x: number; y: number }[]> } | null>(null);
  const fittedGeneration = useRef<number | null>(null);
  const [totalNodes, setTotalNodes] = useState(0);

  /**
   * Hands React Flow these nodes, keeping the size it measured for each one it already holds.
   * A node handed over without its size is hidden until React Flow measures it again, handles
   * and edges included: every live read would make the whole graph blink, and on a busy machine
   * a node could be caught hidden whenever someone tried to click or drag it.
   */
  const handOver = useCallback(
    (next: Node[]) =>
      setNodes((current) => {
        const measured = new Map(current.map((n) => [n.id, n.measured]));
        return withGroups(next).map((n) => {
          const size = measured.get(n.id);
          return size && !n.measured ? { ...n, measured: size } : n;
        });
      }),
    [setNodes],
  );

  /** Hands React Flow what it should hold now: everything, or the window around the view. */
  const mount = useCallback(() => {
    const every = allNodes.current;
    if (every.length <= VIRTUALIZE_ABOVE) {
      handOver(every);
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
    handOver(inside);
    setEdges(allEdges.current.filter((e) => ids.has(e.source) && ids.has(e.target)));
  }, [handOver, setEdges, store]);

  // Ids are the live graph's either way, so drafting keeps every position and the viewport.
  const graph: PendingGraph = useMemo(
    () => withStackEnds(leftToRight(withPictureMarks(withMarks(withMarks(pendingGraph(topology, projected, pending), 'conflicts', conflicts), 'drift', drift), marks, leaveOut))),
    [topology, projected, pending, conflicts, drift, marks, leaveOut],
  );

  useEffect(() => {
    let cancelled = false;
    const fresh = fittedGeneration.current !== layoutGeneration;
    const stacked = new Set(stackedEdges(graph).map((e) => e.id));
    const routes = laidOut.current?.generation === layoutGeneration ? laidOut.current.routes : {};
    const toEdge = (e: Graph['edges'][number]): Edge => flowEdgeOf(e, graph.edgePending[e.id], graph.edges.length, { stacked: stacked.has(e.id), route: routes[e.id] });
    const placementNodes = graph.nodes.map((n) => ({ id: n.id, column: COLUMNS.indexOf(n.data.column) }));
    if (!fresh) {
      // A refresh or a draft edit in the same view: update data in place and keep every
      // position; only nodes new to the view are placed, next to what they connect to.
      const here: Positions = Object.fromEntries(allNodes.current.map((n) => [n.id, n.position]));
      const positions = placeNewcomers(placementNodes, graph.edges, { ...here, ...savedPositions });
      allNodes.current = graph.nodes.map((n) => ({ id: n.id, type: n.type, data: n.data, position: positions[n.id]! }));
      allEdges.current = graph.edges.map(toEdge);
      mount();
      // Something just drafted must be seen: if it landed outside the view, the view moves to it
      // (at the same zoom).
      const newcomer = graph.nodes.find((n) => !here[n.id] && !savedPositions[n.id]);
      if (newcomer && allNodes.current.length > 1) {
        const at = positions[newcomer.id]!;
        const { width, height, transform } = store.getState();
        const [tx, ty, zoom] = transform;
        const left = at.x * zoom + tx;
        const top = at.y * zoom + ty;
        if (left < 0 || top < 0 || left + NODE_WIDTH * zoom > width || top + NODE_HEIGHT * zoom > height) {
          void flow.setCenter(at.x + NODE_WIDTH / 2, at.y + NODE_HEIGHT / 2, { zoom, duration: 0 });
        }
      }
      return;
    }
    // A new view lays out the live host only, so the same host always draws the same way; what a
    // draft adds is placed around it (a reload with a draft moves nothing either).
    const live = sortedForLayout(leftToRight(topologyToGraph(topology)));
    const key = structureKey(live);
    const compute = async (): Promise<Positions> => {
      if (laidOut.current?.key === key && laidOut.current.generation === layoutGeneration) return laidOut.current.positions;
      const { request, stacks } = layoutRequestOf(live, live.nodes.length > ELK_MAX_NODES ? 'columns' : 'elk');
      // The column layout is quick to compute again; ELK's is worth keeping (layout-cache.ts).
      const cache = request.algorithm === 'elk' ? layoutCache() : null;
      const cached = cache?.get(request);
      const result: CachedLayout & { error?: string } = cached ?? (await layout(request));
      if (result.error) onLayoutError?.(result.error);
      else if (cache && !cached) cache.put(request, result);
      const positions = unstack(result.positions, stacks);
      laidOut.current = { key, generation: layoutGeneration, positions, routes: result.routes ?? {} };
      return positions;
    };
    void compute().then((laid) => {
      if (cancelled) return;
      // A user-timing mark: bench:push reads it to say how much of a page load the layout takes.
      performance.mark('switchboard:graph-laid-out');
      const routesNow = laidOut.current!.routes;
      const toRoutedEdge = (e: Graph['edges'][number]): Edge => flowEdgeOf(e, graph.edgePending[e.id], graph.edges.length, { stacked: stacked.has(e.id), route: routesNow[e.id] });
      fittedGeneration.current = layoutGeneration;
      const positions = placeNewcomers(placementNodes, graph.edges, { ...laid, ...savedPositions });
      const all: Node[] = graph.nodes.map((n) => ({ id: n.id, type: n.type, data: n.data, position: positions[n.id]! }));
      // Where the graph starts, for the first view of a large graph: the top of its leftmost
      // column (columns are centred on each other, so the box's corner can be empty space).
      const box = cornersBox(all);
      const leftmost = box ? all.filter((n) => n.position.x === box.x0) : [];
      const start = leftmost.length ? { x0: box!.x0, y0: Math.min(...leftmost.map((n) => n.position.y)) } : null;
      allNodes.current = all;
      allEdges.current = graph.edges.map(toRoutedEdge);
      setTotalNodes(all.length);
      if (all.length > FIT_ALL_MAX_NODES && start) {
        // Thousands of nodes are unreadable at fit-all zoom, and rendering them all in one
        // commit blocked the main thread for ~0.9 s here. Start readable at the top left
        // (uplinks first); only what is on screen is rendered.
        void flow.setViewport({ x: 24 - start.x0 * LARGE_GRAPH_ZOOM, y: 24 - start.y0 * LARGE_GRAPH_ZOOM, zoom: LARGE_GRAPH_ZOOM });
      }
      mount();
      requestAnimationFrame(() => {
        if (all.length <= FIT_ALL_MAX_NODES) void flow.fitView({ padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM });
        requestAnimationFrame(() => onFirstFrame?.());
      });
    });
    return () => {
      cancelled = true;
    };
  }, [graph, topology, savedPositions, layout, mount, flow, store, layoutGeneration, onLayoutError, onFirstFrame]);

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
  const hiddenNodes = useMemo(() => new Set(nodes.filter((n) => n.type !== 'group' && hiddenKinds.has((n.data as TopologyNode['data']).kind)).map((n) => n.id)), [nodes, hiddenKinds]);
  const shownEdges = useMemo(
    () =>
      edges.map((e) => {
        // An edge goes with a node the kind filter hides.
        if (hiddenNodes.has(e.source) || hiddenNodes.has(e.target)) return { ...e, hidden: true };
        const selected = selectedId === undefined ? Boolean(e.selected) : e.id === selectedId;
        return selected ? { ...e, selected, style: { ...e.style, strokeWidth: 3 } } : e.selected ? { ...e, selected } : e;
      }),
    [edges, selectedId, hiddenNodes],
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

  // Search dims what does not match; the kind filter hides (and shownEdges hides their edges),
  // and a group box left with nothing in it goes. Only display flags change:
  // group boxes keep the size React Flow measured.
  const visibleNodes = useMemo(() => {
    return nodes.map((n) => {
      if (n.type === 'group') {
        // A group box holds one kind; hiding the kind leaves it empty.
        const hidden = hiddenKinds.has(GROUPS.find((g) => g.id === n.id)!.kind);
        return hidden === Boolean(n.hidden) ? n : { ...n, hidden };
      }
      const data = n.data as TopologyNode['data'];
      const dimmed = matches !== null && !matches.has(n.id);
      const hidden = hiddenKinds.has(data.kind);
      // A redraw (refresh, draft change) rebuilds nodes unselected; the page's choice wins.
      const selected = selectedId === undefined ? Boolean(n.selected) : n.id === selectedId;
      return dimmed === Boolean(data.dimmed) && hidden === Boolean(n.hidden) && selected === Boolean(n.selected)
        ? n
        : { ...n, hidden, selected, data: { ...data, dimmed } };
    });
  }, [nodes, matches, hiddenKinds, selectedId]);

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
      edgeTypes={edgeTypes}
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
      {totalNodes >= MINIMAP_MIN_NODES && totalNodes <= MINIMAP_MAX_NODES && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
    </ReactFlow>
  );
}
