import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOperations } from '@/server/plan/project';
import { parseProbeOutput } from '@/server/topology/parse';
import { nodeIdOfChange, pendingGraph } from './pending-graph';

const live = parseProbeOutput(readFileSync(new URL('../../server/topology/parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8')).topology;

describe('pendingGraph', () => {
  it('shows a tc change on its device\'s node', () => {
    expect(nodeIdOfChange({ entity: 'filter', name: 'eth2 1: pref 2 u32: TCP dst port 80', change: 'added' })).toBe('if:eth2');
    expect(nodeIdOfChange({ entity: 'class', name: 'eth2 1:10', change: 'changed' })).toBe('if:eth2');
  });

  it('is the live graph, unmarked, without a projection', () => {
    const g = pendingGraph(live, null);
    expect(g.nodes.some((n) => n.data.pending)).toBe(false);
    expect(g.edgePending).toEqual({});
  });

  it('marks what the draft adds, removes and changes, keeping removed nodes and their edges', () => {
    const projected = applyOperations(live, [
      { kind: 'createDummy', name: 'dummy9' },
      { kind: 'setMaster', dev: 'dummy9', master: 'br0' },
      { kind: 'deleteInterface', name: 'vxlan100' },
      { kind: 'setMtu', dev: 'eth3', mtu: 9000 },
    ]);
    const g = pendingGraph(live, projected, [
      { entity: 'interface', name: 'dummy9', change: 'added' },
      { entity: 'interface', name: 'vxlan100', change: 'removed' },
      { entity: 'interface', name: 'eth3', change: 'changed' },
    ]);
    const node = (id: string) => g.nodes.find((n) => n.id === id);
    expect(node('if:dummy9')?.data.pending).toBe('added');
    expect(node('if:vxlan100')?.data.pending).toBe('removed');
    expect(node('if:eth3')?.data.pending).toBe('changed');
    expect(node('if:br0')?.data.pending).toBeUndefined();
    expect(g.edgePending['member:dummy9']).toBe('added');
    expect(g.edgePending['parent:vxlan100']).toBe('removed');
    expect(g.edges.some((e) => e.id === 'parent:vxlan100')).toBe(true);
    expect(g.edgePending['member:eth1']).toBeUndefined();
    expect(new Set(g.nodes.map((n) => n.id)).size).toBe(g.nodes.length);
  });

  it('shows a port moving between bridges as a new edge', () => {
    const projected = applyOperations(live, [
      { kind: 'createBridge', name: 'br9', stp: false, vlanFiltering: false },
      { kind: 'setMaster', dev: 'eth1', master: 'br9' },
    ]);
    const g = pendingGraph(live, projected);
    expect(g.edgePending['member:eth1']).toBe('added');
    expect(g.edges.find((e) => e.id === 'member:eth1')?.target).toBe('if:br9');
  });
});
