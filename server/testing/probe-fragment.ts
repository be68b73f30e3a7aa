// A piece of the probe script to run on its own in tests (with stand-in tools on PATH): the
// probe's framing helpers `s()` and `e()`, then the script from `from` up to and including `to`.
import { expect } from 'vitest';
import { probeScript } from '@/server/topology/probe';

export function probeFragment(from: string, to: string): string {
  const script = probeScript();
  const helpers = script.split('\n').filter((l) => /^[se]\(\) \{/.test(l));
  const start = script.indexOf(from);
  const end = script.indexOf(to, start) + to.length;
  expect(helpers).toHaveLength(2);
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start + to.length - 1);
  return [...helpers, script.slice(start, end)].join('\n');
}
