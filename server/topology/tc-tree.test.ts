import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Topology } from './model';
import { parseProbeOutput } from './parse';
import { tcTreeOf, type TcNode } from './tc-tree';

const qos = parseProbeOutput(readFileSync(new URL('./parse/fixtures/scratch-qos1.probe.txt', import.meta.url), 'utf8')).topology;

/** The tree as nested labels: "htb 1: [3 filters]" / "class 1:10", children indented by position. */
function shape(n: TcNode): unknown {
  const label = n.type === 'qdisc' ? `${n.qdisc.kind} ${n.qdisc.handle}${n.filters.length ? ` [${n.filters.length} filters]` : ''}` : `class ${n.tcClass.classid}`;
  return n.children.length ? { [label]: n.children.map(shape) } : label;
}

describe('a device\'s traffic control as a tree', () => {
  it('nests HTB classes by parent, with the qdisc under each leaf class and the filters under the root', () => {
    const tree = tcTreeOf(qos, 'eth2');
    expect(tree.roots.map(shape)).toEqual([{ 'htb 1: [10 filters]': [{ 'class 1:1': [{ 'class 1:10': ['tbf 10:'] }, { 'class 1:20': ['pfifo 20:'] }] }] }]);
    expect(tree.orphanFilters).toEqual([]);
  });

  it('draws tbf\'s own inner class (1:1 of tbf 1:) not at all', () => {
    expect(qos.classes.some((c) => c.dev === 'vnet0' && c.classid === '1:1')).toBe(true);
    expect(tcTreeOf(qos, 'vnet0').roots.map(shape)).toEqual(['tbf 1:']);
  });

  it('puts ingress and clsact beside the root, each with its filters', () => {
    expect(tcTreeOf(qos, 'eth1').roots.map(shape)).toEqual(['noqueue 0:', 'ingress ffff: [1 filters]']);
    expect(tcTreeOf(qos, 'eth3').roots.map(shape)).toEqual(['noqueue 0:', 'clsact ffff: [2 filters]']);
  });

  it('hangs mq\'s per-queue qdiscs (all handle 0:) under its classes', () => {
    const t: Topology = {
      ...qos,
      qdiscs: [
        { dev: 'eth0', kind: 'mq', handle: '0:', parent: null, root: true, options: {} },
        { dev: 'eth0', kind: 'fq_codel', handle: '0:', parent: ':1', root: false, options: {} },
        { dev: 'eth0', kind: 'fq_codel', handle: '0:', parent: ':2', root: false, options: {} },
      ],
      classes: [
        { dev: 'eth0', kind: 'mq', classid: ':1', parent: null, rate: null, ceil: null },
        { dev: 'eth0', kind: 'mq', classid: ':2', parent: null, rate: null, ceil: null },
      ],
      filters: [],
    };
    expect(tcTreeOf(t, 'eth0').roots.map(shape)).toEqual([{ 'mq 0:': [{ 'class :1': ['fq_codel 0:'] }, { 'class :2': ['fq_codel 0:'] }] }]);
  });

  it('keeps a filter whose qdisc was not read apart, rather than dropping it', () => {
    const t = { ...qos, qdiscs: qos.qdiscs.filter((q) => !(q.dev === 'eth2' && q.handle === '1:')) };
    expect(tcTreeOf(t, 'eth2').orphanFilters).toHaveLength(10);
  });
});
