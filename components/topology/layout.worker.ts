// Runs elkjs off the main thread: a 2,000-node layout takes seconds, and the page must stay
// responsive meanwhile (DESIGN.md rule 8).
import ELK from 'elkjs/lib/elk.bundled.js';
import { columnLayout } from '@/server/topology/column-layout';
import { COLUMN_GAP, ROW_GAP, type LayoutRequest, type LayoutResponse } from './layout-types';

const elk = new ELK();

self.onmessage = async (event: MessageEvent<LayoutRequest>) => {
  const { id, nodes, edges, algorithm } = event.data;
  try {
    if (algorithm === 'columns') {
      const first = nodes[0];
      const positions = columnLayout({ nodes, edges }, { width: first?.width ?? 200, height: first?.height ?? 76, columnGap: COLUMN_GAP, rowGap: ROW_GAP });
      self.postMessage({ id, positions } satisfies LayoutResponse);
      return;
    }
    const result = await elk.layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        // Columns: physical NICs on the left, VMs on the right (graph.ts COLUMNS).
        'elk.partitioning.activate': 'true',
        'elk.layered.spacing.nodeNodeBetweenLayers': String(COLUMN_GAP),
        'elk.spacing.nodeNode': String(ROW_GAP),
        'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
        'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
        'elk.separateConnectedComponents': 'false',
      },
      children: nodes.map((n) => ({
        id: n.id,
        width: n.width,
        height: n.height,
        layoutOptions: { 'elk.partitioning.partition': String(n.partition) },
      })),
      edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
    });
    const positions: LayoutResponse['positions'] = {};
    for (const c of result.children ?? []) positions[c.id] = { x: c.x ?? 0, y: c.y ?? 0 };
    self.postMessage({ id, positions } satisfies LayoutResponse);
  } catch (err) {
    self.postMessage({ id, positions: {}, error: String(err) } satisfies LayoutResponse);
  }
};
