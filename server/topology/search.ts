// Finding things on a host's graph as people look for them: an interface by name, address or
// MAC, a VM by name or by one of its NICs' MACs and addresses, a libvirt network by name or
// address. Pure: the host page runs it in the browser, tests run it on fixtures.
import { nicAddresses } from './addressing';
import { COLUMNS, type Graph } from './graph';
import type { Topology } from './model';

export interface SearchHit {
  /** The graph node found. */
  id: string;
  /** What matched, in words: "address 198.18.1.11/24", "MAC 52:54:00:01:02:01", or the name. */
  why: string;
}

const byName = new Intl.Collator('en', { numeric: true }).compare;

/** What a node can be found by besides its label: [words, text to match]. */
function termsOf(t: Topology, id: string): [string, string][] {
  const [prefix, ...rest] = id.split(':');
  const name = rest.join(':');
  if (prefix === 'if') {
    const i = t.interfaces.find((x) => x.name === name);
    if (!i) return [];
    return [...(i.mac ? [[`MAC ${i.mac}`, i.mac] as [string, string]] : []), ...i.addresses.map((a): [string, string] => [`address ${a.address}/${a.prefixLength}`, `${a.address}/${a.prefixLength}`])];
  }
  if (prefix === 'vm') {
    const vm = t.vms.find((v) => v.name === name);
    if (!vm) return [];
    return vm.nics.flatMap((nic): [string, string][] => [
      ...(nic.mac ? [[`MAC ${nic.mac}`, nic.mac] as [string, string]] : []),
      ...nicAddresses(t, nic).map((a): [string, string] => [`address ${a.ip}`, a.ip]),
    ]);
  }
  if (prefix === 'net') {
    const net = t.networks.find((n) => n.name === name);
    return (net?.ips ?? []).map((ip): [string, string] => [`address ${ip.address}/${ip.prefixLength}`, `${ip.address}/${ip.prefixLength}`]);
  }
  return [];
}

/**
 * Every node matching `query` (case-insensitive, a part is enough), in reading order: column by
 * column from the left, then by name. An empty query finds nothing.
 */
export function searchGraph(t: Topology, graph: Graph, query: string): SearchHit[] {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const hits: (SearchHit & { column: number; label: string })[] = [];
  for (const n of graph.nodes) {
    const column = COLUMNS.indexOf(n.data.column);
    if (n.data.label.toLowerCase().includes(q)) {
      hits.push({ id: n.id, why: n.data.label, column, label: n.data.label });
      continue;
    }
    const term = termsOf(t, n.id).find(([, text]) => text.toLowerCase().includes(q));
    if (term) hits.push({ id: n.id, why: term[0], column, label: n.data.label });
  }
  return hits.sort((a, b) => a.column - b.column || byName(a.label, b.label)).map(({ id, why }) => ({ id, why }));
}
