import { notFound } from 'next/navigation';
import { GraphBench } from '@/components/topology/graph-bench';

export const dynamic = 'force-dynamic';

/** Only for `npm run bench:graph` (SWITCHBOARD_BENCH=1): synthetic data, no sign-in needed. */
export default function GraphBenchPage() {
  if (process.env.SWITCHBOARD_BENCH !== '1') notFound();
  return <GraphBench />;
}
