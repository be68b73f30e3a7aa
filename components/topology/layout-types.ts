export interface LayoutRequest {
  id: number;
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
