// The machine's own anchor for every figure that starts processes inside a lab host (a light
// host's probe starts about 20, one with libvirt more): what starting one costs there. Machines of one kind differ here fivefold (0.8 ms
// on one, 4 ms on another), and reads, page loads and kernel events scale with it.
import type { LabHost } from '../lab/testing';

const STARTS = 200;

/** ms per process: 200 × `/bin/true` in a shell inside `host`, started by the lab (no SSH). */
export async function processStartMs(host: Pick<LabHost, 'exec'>): Promise<number> {
  const started = performance.now();
  await host.exec(['sh', '-c', `i=0; while [ $i -lt ${STARTS} ]; do /bin/true; i=$((i + 1)); done`]);
  return (performance.now() - started) / STARTS;
}

export const PROCESS_ANCHOR_ROW = `anchor: starting one process inside a lab host (${STARTS} × \`/bin/true\`)`;
