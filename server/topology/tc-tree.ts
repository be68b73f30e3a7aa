// One device's traffic control as a tree, the way tc nests it: the root qdisc, its classes by
// parent, the qdisc under each leaf class, and beside the tree the ingress/clsact qdiscs; each
// filter under the qdisc it is attached to. Pure; the inspector draws it.
import type { Qdisc, TcClass, TcFilter, Topology } from './model';

export type TcNode =
  | { type: 'qdisc'; qdisc: Qdisc; children: TcNode[]; filters: TcFilter[] }
  | { type: 'class'; tcClass: TcClass; children: TcNode[] };

export interface TcTree {
  /** Root qdisc first, then ingress/clsact, then anything whose parent was not read. */
  roots: TcNode[];
  /** Filters whose qdisc is not in the read (it went away between the two tc calls). */
  orphanFilters: TcFilter[];
}

/** tc ids ("1:10", "ffff:", ":1") ordered by major, then minor, as numbers. */
function byId(a: string, b: string): number {
  const [am = '', an = ''] = a.split(':');
  const [bm = '', bn = ''] = b.split(':');
  return Number.parseInt(am || '0', 16) - Number.parseInt(bm || '0', 16) || Number.parseInt(an || '0', 16) - Number.parseInt(bn || '0', 16);
}

/** The qdisc handle of a class or filter parent: "1:10" -> "1:", ":1" (mq's) -> "0:". */
const major = (id: string) => `${id.split(':')[0] || '0'}:`;

/**
 * The single class tbf and netem show to hold their one child qdisc ("class tbf 10:1 parent
 * 10:") says nothing a person sets: its child is drawn under the qdisc itself.
 */
const passThrough = (c: TcClass) => (c.kind === 'tbf' || c.kind === 'netem') && !c.rate;

export function tcTreeOf(t: Topology, dev: string): TcTree {
  const qdiscs = t.qdiscs.filter((q) => q.dev === dev);
  const classes = t.classes.filter((c) => c.dev === dev);
  const filters = (t.filters ?? []).filter((f) => f.dev === dev).sort((a, b) => byId(a.parent, b.parent) || a.pref - b.pref);

  const qdiscNodes = qdiscs.map((qdisc) => ({ type: 'qdisc' as const, qdisc, children: [] as TcNode[], filters: [] as TcFilter[] }));
  const classNodes = new Map(classes.map((tcClass) => [tcClass.classid, { type: 'class' as const, tcClass, children: [] as TcNode[] }]));
  // Handle 0: is the kernel's own, shared by all the default qdiscs under mq: only the root's counts.
  const qdiscByHandle = new Map(qdiscNodes.filter((n) => n.qdisc.handle !== '0:' || n.qdisc.root).map((n) => [n.qdisc.handle, n]));
  const roots: TcNode[] = [];

  // Where a node hangs: a class, or a qdisc; a pass-through class hands its children to its own parent.
  const holderOf = (parentId: string | null, ownId: string): { children: TcNode[] } | null => {
    if (parentId === null) return qdiscByHandle.get(major(ownId)) ?? null;
    const cls = classNodes.get(parentId);
    if (cls) return passThrough(cls.tcClass) ? holderOf(cls.tcClass.parent, cls.tcClass.classid) : cls;
    return qdiscByHandle.get(parentId) ?? null;
  };

  for (const node of classNodes.values()) {
    if (passThrough(node.tcClass)) continue;
    (holderOf(node.tcClass.parent, node.tcClass.classid)?.children ?? roots).push(node);
  }
  for (const node of qdiscNodes) {
    // The root, and ingress/clsact (parent ffff:fff1), stand on their own.
    const holder = node.qdisc.root || node.qdisc.parent === null ? null : holderOf(node.qdisc.parent, node.qdisc.handle);
    (holder?.children ?? roots).push(node);
  }

  const orphanFilters: TcFilter[] = [];
  for (const f of filters) {
    // clsact's two sides are parents of their own (ffff:fff2, ffff:fff3), held by the clsact qdisc ffff:.
    const q = qdiscByHandle.get(f.parent) ?? qdiscByHandle.get(major(f.parent));
    if (q) q.filters.push(f);
    else orphanFilters.push(f);
  }

  const order = (nodes: TcNode[]) => {
    nodes.sort((a, b) => {
      if (a.type !== b.type) return a.type === 'class' ? -1 : 1;
      return a.type === 'class' && b.type === 'class' ? byId(a.tcClass.classid, b.tcClass.classid) : 0;
    });
    for (const n of nodes) order(n.children);
  };
  for (const n of roots) order(n.children);
  // The root qdisc first, then the rest as tc listed them.
  roots.sort((a, b) => Number(b.type === 'qdisc' && b.qdisc.root) - Number(a.type === 'qdisc' && a.qdisc.root));
  return { roots, orphanFilters };
}
