export interface LayoutRequest {
  id: number;
  /** elk: elkjs layered with column constraints (nicer, slow on big graphs); columns: linear. */
  algorithm: 'elk' | 'columns';
  nodes: { id: string; width: number; height: number; partition: number }[];
  edges: { id: string; source: string; target: string }[];
}

export interface LayoutResponse {
  id: number;
  positions: Record<string, { x: number; y: number }>;
  error?: string;
}

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 76;

/** Above this many nodes the column layout is used: elkjs's layered layout with column
 * constraints grows faster than quadratically (586 nodes took 14 s here). */
export const ELK_MAX_NODES = 250;
export const COLUMN_GAP = 90;
export const ROW_GAP = 28;
