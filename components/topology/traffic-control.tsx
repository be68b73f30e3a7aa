'use client';

import { qdiscKey, type Topology } from '@/server/topology/model';
import { tcTreeOf, type TcNode } from '@/server/topology/tc-tree';
import { filterInWords, filterParentInWords, qdiscSettingsInWords, tcClassInWords } from '@/server/topology/words';

function TcItem({ node }: { node: TcNode }) {
  const isQdisc = node.type === 'qdisc';
  const words = isQdisc ? qdiscSettingsInWords(node.qdisc) : tcClassInWords(node.tcClass);
  return (
    <li data-tc={node.type} data-tc-id={isQdisc ? node.qdisc.handle : node.tcClass.classid}>
      <span className="font-medium text-slate-800">{isQdisc ? node.qdisc.kind : 'class'}</span>{' '}
      <span className="font-mono text-slate-500">{isQdisc ? node.qdisc.handle : node.tcClass.classid}</span>
      {words && <span className="text-slate-700"> {words}</span>}
      {isQdisc && node.filters.length > 0 && (
        <span className="text-slate-500">
          {' '}
          · {node.filters.length} filter{node.filters.length === 1 ? '' : 's'}
        </span>
      )}
      {node.children.length > 0 && (
        <ul className="ml-1.5 border-l border-slate-200 pl-2">
          {node.children.map((child) => (
            <TcItem key={child.type === 'qdisc' ? qdiscKey(child.qdisc) : child.tcClass.classid} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * The selected interface's traffic control in people's units: the qdisc tree (root qdisc,
 * classes nested by parent, the qdisc under each leaf class; ingress/clsact beside it) and the
 * filters in the order the kernel tries them.
 */
export function TrafficControl({ topology, dev }: { topology: Topology; dev: string }) {
  const tree = tcTreeOf(topology, dev);
  const filters = tree.roots.flatMap(function filtersOf(n: TcNode): typeof tree.orphanFilters {
    return n.type === 'qdisc' ? [...n.filters, ...n.children.flatMap(filtersOf)] : n.children.flatMap(filtersOf);
  });
  filters.push(...tree.orphanFilters);
  if (!tree.roots.length && !filters.length) return null;
  const kindOf = (parent: string) => topology.qdiscs.find((q) => q.dev === dev && q.handle === parent)?.kind;
  return (
    <div>
      <h4 className="mb-1 font-semibold text-slate-700">Traffic control</h4>
      <ul data-testid="tc-tree" className="space-y-0.5 text-[11px]">
        {tree.roots.map((node) => (
          <TcItem key={node.type === 'qdisc' ? qdiscKey(node.qdisc) : node.tcClass.classid} node={node} />
        ))}
      </ul>
      {filters.length > 0 && (
        <>
          <h5 className="mb-0.5 mt-2 font-medium text-slate-600">Filters</h5>
          <ul className="space-y-0.5 text-[11px]">
            {filters.map((f, i) => (
              <li key={`${f.parent} ${f.pref} ${f.handle ?? ''} ${i}`} data-testid="tc-filter" data-parent={f.parent} data-pref={f.pref}>
                <span className="text-slate-800">{filterInWords(f)}</span>{' '}
                <span className="text-slate-500">
                  (pref {f.pref}, {filterParentInWords(f.parent, kindOf(f.parent))})
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
