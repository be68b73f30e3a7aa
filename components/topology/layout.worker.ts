// Runs the layout off the main thread: a 2,000-node layout takes seconds, and the page must
// stay responsive meanwhile (DESIGN.md rule 8).
import type { LayoutRequest, LayoutResponse } from './layout-types';
import { runLayout } from './run-layout';

self.onmessage = async (event: MessageEvent<LayoutRequest>) => {
  const { id, ...request } = event.data;
  try {
    self.postMessage({ id, ...(await runLayout(request)) } satisfies LayoutResponse);
  } catch (err) {
    self.postMessage({ id, positions: {}, error: String(err) } satisfies LayoutResponse);
  }
};
