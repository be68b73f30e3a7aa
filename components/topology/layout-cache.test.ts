import { describe, expect, it } from 'vitest';
import { clearLayoutCache, LAYOUT_CACHE_ENTRIES, layoutCache, layoutKey } from './layout-cache';
import type { LayoutRequest } from './layout-types';

type Request = Omit<LayoutRequest, 'id'>;

/** A Storage in memory; with `quota`, a write longer than that many characters throws as a full one does. */
function memoryStorage(quota = Infinity) {
  const items = new Map<string, string>();
  return {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (v.length > quota) throw new Error('QuotaExceededError');
      items.set(k, v);
    },
    removeItem: (k: string) => void items.delete(k),
    items,
  };
}

const request = (names: string[], width = 180): Request => ({
  algorithm: 'elk',
  nodes: names.map((id, i) => ({ id, width, height: 80, partition: i })),
  edges: names.slice(1).map((id, i) => ({ id: `${names[i]}-${id}`, source: names[i]!, target: id })),
});
const layoutOf = (r: Request) => ({
  positions: Object.fromEntries(r.nodes.map((n, i) => [n.id, { x: i * 236, y: 0 }])),
  routes: Object.fromEntries(r.edges.map((e) => [e.id, [{ x: 0, y: 40 }, { x: 56, y: 40 }]])),
});

describe('layout cache', () => {
  it('gives back the layout kept for the same request, across instances sharing the storage', () => {
    const storage = memoryStorage();
    const r = request(['if:eth0', 'if:br0', 'vm:web']);
    layoutCache(storage).put(r, layoutOf(r));
    expect(layoutCache(storage).get(request(['if:eth0', 'if:br0', 'vm:web']))).toEqual(layoutOf(r));
  });

  it('misses when anything that decides the layout changed: a node more, a size, an edge', () => {
    const storage = memoryStorage();
    const r = request(['if:eth0', 'if:br0']);
    const cache = layoutCache(storage);
    cache.put(r, layoutOf(r));
    expect(cache.get(request(['if:eth0', 'if:br0', 'if:br1']))).toBeNull();
    expect(cache.get(request(['if:eth0', 'if:br0'], 200))).toBeNull();
    expect(cache.get({ ...r, edges: [] })).toBeNull();
    expect(layoutKey(r)).not.toBe(layoutKey({ ...r, algorithm: 'columns' }));
  });

  it('keeps a bounded number of layouts, dropping the oldest', () => {
    const storage = memoryStorage();
    const cache = layoutCache(storage);
    const requests = Array.from({ length: LAYOUT_CACHE_ENTRIES + 3 }, (_, i) => request([`if:eth${i}`, 'if:br0']));
    for (const r of requests) cache.put(r, layoutOf(r));
    expect(cache.get(requests[0]!)).toBeNull();
    expect(cache.get(requests[2]!)).toBeNull();
    expect(cache.get(requests[3]!)).not.toBeNull();
    expect(cache.get(requests.at(-1)!)).not.toBeNull();
    expect(JSON.parse(storage.items.get('switchboard:layouts:v1')!)).toHaveLength(LAYOUT_CACHE_ENTRIES);
  });

  it('makes room when the storage is full, dropping the oldest layouts first', () => {
    const requests = Array.from({ length: 8 }, (_, i) => request([`if:eth${i}`, 'if:br0']));
    const one = JSON.stringify([['k', layoutOf(requests[0]!)]]).length + 40;
    const storage = memoryStorage(one * 5);
    const cache = layoutCache(storage);
    for (const r of requests) cache.put(r, layoutOf(r));
    expect(cache.get(requests.at(-1)!)).not.toBeNull();
    expect(cache.get(requests[0]!)).toBeNull();
    expect(storage.items.get('switchboard:layouts:v1')!.length).toBeLessThanOrEqual(one * 5);
  });

  it('is forgotten on sign-out', () => {
    const storage = memoryStorage();
    const r = request(['if:eth0', 'if:br0']);
    layoutCache(storage).put(r, layoutOf(r));
    clearLayoutCache(storage);
    expect(layoutCache(storage).get(r)).toBeNull();
  });

  it('misses instead of failing on unreadable, missing, full or incomplete storage', () => {
    const r = request(['if:eth0', 'if:br0']);
    const garbled = memoryStorage();
    garbled.setItem('switchboard:layouts:v1', '{not json');
    expect(layoutCache(garbled).get(r)).toBeNull();
    expect(layoutCache(null).get(r)).toBeNull();
    const full = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(() => layoutCache(full).put(r, layoutOf(r))).not.toThrow();
    // A kept layout that lacks a node's position (written by another version) is not used.
    const partial = memoryStorage();
    layoutCache(partial).put(r, { positions: { 'if:eth0': { x: 0, y: 0 } }, routes: {} });
    expect(layoutCache(partial).get(r)).toBeNull();
  });
});
