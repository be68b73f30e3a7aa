export interface LayoutRequest {
  id: number;
  /** elk: elkjs layered with column constraints (nicer, slow on big graphs); columns: linear. */
  algorithm: 'elk' | 'columns';
  nodes: { id: string; width: number; height: number; partition: number; ports?: LayoutPort[] }[];
  /** `sourcePort`/`targetPort` name ports of the source and target nodes (elk only). */
  edges: { id: string; source: string; target: string; sourcePort?: string; targetPort?: string }[];
}

/** A fixed point on a node's side where edges attach (relative to the node's top left). */
export interface LayoutPort {
  id: string;
  x: number;
  y: number;
  side: 'WEST' | 'EAST';
}

export interface LayoutResponse {
  id: number;
  positions: Record<string, { x: number; y: number }>;
  /** Edge id -> the route from its start to its end, bends included (elk only). */
  routes?: Record<string, { x: number; y: number }[]>;
  error?: string;
}

// A node's box on the graph (nodes.tsx draws exactly this size, so laid-out edge routes meet the
// handles). Sized so that hv1's six columns fit a 1440×900 window with 16 px names showing at
// 11 px or more (e2e/graph-view.spec.ts measures it).
export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 80;

/** Above this many nodes the column layout is used: elkjs's layered layout with column
 * constraints grows faster than quadratically (586 nodes took 14 s here). */
export const ELK_MAX_NODES = 250;
export const COLUMN_GAP = 56;
export const ROW_GAP = 20;

/** ELK's options for the layered layout (run-layout.ts); a kept layout is one of these options (layout-cache.ts). */
export const ELK_LAYOUT_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  // Columns: physical NICs on the left, VMs on the right (graph.ts COLUMNS).
  'elk.partitioning.activate': 'true',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(COLUMN_GAP),
  'elk.spacing.nodeNode': String(ROW_GAP),
  'elk.layered.spacing.edgeNodeBetweenLayers': '12',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '6',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.separateConnectedComponents': 'false',
};

/** The handles an edge between two nodes stacked in one column uses (bottom of the upper node, top of the lower). */
export const STACKED_SOURCE = 'below';
export const STACKED_TARGET = 'above';
