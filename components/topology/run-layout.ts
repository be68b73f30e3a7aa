// The automatic layout itself: elkjs's layered layout with column constraints, or the linear
// column layout for big graphs. No DOM: the layout worker runs it, and so do unit tests.
import ELK, { type ElkExtendedEdge } from 'elkjs/lib/elk.bundled.js';
import { columnLayout } from '@/server/topology/column-layout';
import { COLUMN_GAP, ELK_LAYOUT_OPTIONS, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, type LayoutRequest, type LayoutResponse } from './layout-types';

const elk = new ELK();

/** The route ELK drew for an edge: start, bends, end (absolute: the graph has no nesting). */
function routeOf(edge: ElkExtendedEdge): { x: number; y: number }[] | null {
  const section = edge.sections?.[0];
  if (!section || edge.sections!.length > 1) return null;
  return [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map((p) => ({ x: p.x, y: p.y }));
}

export async function runLayout(request: Omit<LayoutRequest, 'id'>): Promise<Omit<LayoutResponse, 'id'>> {
  const { nodes, edges, algorithm } = request;
  if (algorithm === 'columns') {
    return { positions: columnLayout({ nodes, edges }, { width: NODE_WIDTH, height: NODE_HEIGHT, columnGap: COLUMN_GAP, rowGap: ROW_GAP }) };
  }
  const result = await elk.layout({
    id: 'root',
    layoutOptions: ELK_LAYOUT_OPTIONS,
    children: nodes.map((n) => ({
      id: n.id,
      width: n.width,
      height: n.height,
      layoutOptions: { 'elk.partitioning.partition': String(n.partition), ...(n.ports ? { 'elk.portConstraints': 'FIXED_POS' } : {}) },
      ports: n.ports?.map((p) => ({ id: p.id, x: p.x, y: p.y, width: 0, height: 0, layoutOptions: { 'elk.port.side': p.side } })),
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.sourcePort ?? e.source], targets: [e.targetPort ?? e.target] })),
  });
  const positions: LayoutResponse['positions'] = {};
  for (const c of result.children ?? []) positions[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
  const routes: NonNullable<LayoutResponse['routes']> = {};
  for (const e of result.edges ?? []) {
    const route = routeOf(e);
    if (route) routes[e.id] = route;
  }
  return { positions, routes };
}
