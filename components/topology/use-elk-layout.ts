'use client';

import { useCallback, useEffect, useRef } from 'react';
import type { LayoutRequest, LayoutResponse } from './layout-types';

/**
 * One layout worker per graph view, started on its first request (a view whose layout is kept,
 * layout-cache.ts, never loads elkjs); each call resolves with the positions of its request.
 */
export function useElkLayout() {
  const worker = useRef<Worker | null>(null);
  const mounted = useRef(false);
  const pending = useRef(new Map<number, (r: LayoutResponse) => void>());
  const nextId = useRef(1);

  useEffect(() => {
    mounted.current = true;
    const waiting = pending.current;
    return () => {
      mounted.current = false;
      worker.current?.terminate();
      worker.current = null;
      waiting.clear();
    };
  }, []);

  return useCallback((request: Omit<LayoutRequest, 'id'>) => {
    return new Promise<LayoutResponse>((resolve, reject) => {
      if (!mounted.current) return reject(new Error('layout worker not ready'));
      if (!worker.current) {
        const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
        const waiting = pending.current;
        w.onmessage = (e: MessageEvent<LayoutResponse>) => {
          waiting.get(e.data.id)?.(e.data);
          waiting.delete(e.data.id);
        };
        worker.current = w;
      }
      const w = worker.current;
      const id = nextId.current++;
      pending.current.set(id, resolve);
      w.postMessage({ ...request, id } satisfies LayoutRequest);
    });
  }, []);
}
