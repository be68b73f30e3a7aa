'use client';

import { useCallback, useEffect, useRef } from 'react';
import type { LayoutRequest, LayoutResponse } from './layout-types';

/** One layout worker per graph view; each call resolves with the positions of its request. */
export function useElkLayout() {
  const worker = useRef<Worker | null>(null);
  const pending = useRef(new Map<number, (r: LayoutResponse) => void>());
  const nextId = useRef(1);

  useEffect(() => {
    const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    const waiting = pending.current;
    w.onmessage = (e: MessageEvent<LayoutResponse>) => {
      waiting.get(e.data.id)?.(e.data);
      waiting.delete(e.data.id);
    };
    worker.current = w;
    return () => {
      w.terminate();
      worker.current = null;
      waiting.clear();
    };
  }, []);

  return useCallback((request: Omit<LayoutRequest, 'id'>) => {
    return new Promise<LayoutResponse>((resolve, reject) => {
      const w = worker.current;
      if (!w) return reject(new Error('layout worker not ready'));
      const id = nextId.current++;
      pending.current.set(id, resolve);
      w.postMessage({ ...request, id } satisfies LayoutRequest);
    });
  }, []);
}
