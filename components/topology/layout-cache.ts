// Layouts already computed, kept in the browser's storage. ELK's layered layout is deterministic:
// the same request always gives the same positions and routes. Computing it again on every page
// load cost most of a warm host page's time (the worker loads ~2 MB of elkjs, then lays out; 1.7 s
// of 2.4 s under load, bench:push), while the graph of a host rarely changes between two visits.
// So a page load looks its request up here first and only asks the worker on a miss.
import elkPackage from 'elkjs/package.json';
import { ELK_LAYOUT_OPTIONS, type LayoutRequest, type LayoutResponse } from './layout-types';

/** What is kept: a layout's positions and edge routes. */
export type CachedLayout = Pick<LayoutResponse, 'positions' | 'routes'>;

/** Distinct layouts kept (one per host graph recently laid out); the oldest goes first. */
export const LAYOUT_CACHE_ENTRIES = 24;
const STORAGE_KEY = 'switchboard:layouts:v1';

/** 53-bit FNV-1a-style hash of a string (cyrb53): a short key for a long request. */
function hashOf(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * The request's identity: everything that decides the layout: the graph (ids, sizes, ports,
 * columns, edges), ELK's options and its version, so an upgrade that lays out differently
 * does not reuse what the old one computed.
 */
export function layoutKey(request: Omit<LayoutRequest, 'id'>): string {
  return hashOf(JSON.stringify([elkPackage.version, ELK_LAYOUT_OPTIONS, request]));
}

/** Forgets every kept layout (signing out: they name the hosts' interfaces and VMs). */
export function clearLayoutCache(storage: Pick<Storage, 'removeItem'> | null = browserStorage()): void {
  try {
    storage?.removeItem(STORAGE_KEY);
  } catch {
    // nothing kept, or storage refused: nothing to forget
  }
}

type Entries = [key: string, layout: CachedLayout][];

function browserStorage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    return null; // storage disabled for this site
  }
}

/**
 * The storage is the browser's localStorage (shared by the panel's tabs); it may be missing,
 * full or hold something unreadable, and then the cache just misses: a layout is only ever a
 * shortcut.
 */
export function layoutCache(storage: Pick<Storage, 'getItem' | 'setItem'> | null = browserStorage()) {
  const read = (): Entries => {
    try {
      const parsed: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]');
      return Array.isArray(parsed) ? (parsed as Entries) : [];
    } catch {
      return [];
    }
  };
  return {
    /** The layout kept for this request, if every node of it has a position. */
    get(request: Omit<LayoutRequest, 'id'>): CachedLayout | null {
      const key = layoutKey(request);
      const hit = read().find(([k]) => k === key)?.[1];
      if (!hit || !request.nodes.every((n) => hit.positions[n.id])) return null;
      return hit;
    },
    put(request: Omit<LayoutRequest, 'id'>, layout: CachedLayout): void {
      const key = layoutKey(request);
      let kept = [[key, { positions: layout.positions, routes: layout.routes }], ...read().filter(([k]) => k !== key)].slice(0, LAYOUT_CACHE_ENTRIES) as Entries;
      // The site's storage full: the older half goes, then all but this one, before giving up.
      for (const keep of [kept.length, Math.ceil(kept.length / 2), 1]) {
        kept = kept.slice(0, keep);
        try {
          storage?.setItem(STORAGE_KEY, JSON.stringify(kept));
          return;
        } catch {
          // try with fewer
        }
      }
      // Refused even alone (private mode, a huge graph): the next load lays out again.
    },
  };
}
