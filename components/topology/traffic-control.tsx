'use client';

import { qdiscKey, type TcClass, type Topology } from '@/server/topology/model';
import { tcTreeOf, type TcNode } from '@/server/topology/tc-tree';
import { filterInWords, filterParentInWords, qdiscSettingsInWords, tcClassInWords } from '@/server/topology/words';

/**
 * 512 -> "512 B", 12_345_678 -> "12.3 MB", 999_960 -> "1 MB": decimal units, as people read
 * traffic totals (sizes a person sets, such as a burst, are 1024-based: words.ts sizeInWords).
 */
export function bytesInWords(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let u = 0;
  // Compare as shown, so 999.96 kB reads "1 MB" rather than "1000 kB".
  while (u < units.length - 1 && Number(v.toFixed(1)) >= 1000) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]}`;
}

/**
 * What a class has sent, "sent 12.3 MB in 8,123 packets"; null when the read has no counters
 * for it (older reads, tbf's class). Grouped the English way whatever the browser's locale, so
 * the server's render and the browser's agree.
 */
export function sentInWords(c: Pick<TcClass, 'sentBytes' | 'sentPackets'>): string | null {
  if (c.sentBytes === undefined) return null;
  const packets = c.sentPackets === undefined ? '' : ` in ${c.sentPackets.toLocaleString('en-US')} packet${c.sentPackets === 1 ? '' : 's'}`;
  return `sent ${bytesInWords(c.sentBytes)}${packets}`;
}

function TcItem({ node }: { node: TcNode }) {
  const isQdisc = node.type === 'qdisc';
  const words = isQdisc ? qdiscSettingsInWords(node.qdisc) : tcClassInWords(node.tcClass);
  const sent = isQdisc ? null : sentInWords(node.tcClass);
  return (
    <li data-tc={node.type} data-tc-id={isQdisc ? node.qdisc.handle : node.tcClass.classid}>
      <span className="font-medium text-slate-800">{isQdisc ? node.qdisc.kind : 'class'}</span>{' '}
      <span className="font-mono text-slate-500">{isQdisc ? node.qdisc.handle : node.tcClass.classid}</span>
      {words && <span className="text-slate-700"> {words}</span>}
      {sent && (
        <span data-testid="tc-class-counters" className="text-slate-500">
          {' '}
          · {sent}
        </span>
      )}
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
