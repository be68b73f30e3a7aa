// Shared by the benchmark scripts: statistics, and writing one section of bench/RESULTS.md
// (between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->`) without touching the others.
import { readFile, writeFile } from 'node:fs/promises';

const RESULTS = new URL('./RESULTS.md', import.meta.url);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export const sectionMarks = (name: string) => ({ begin: `<!-- bench:${name}:begin -->`, end: `<!-- bench:${name}:end -->` });

/** Replaces (or appends) the named section; `body` is the section's text without its markers. */
export async function writeResultsSection(name: string, body: string): Promise<string> {
  const { begin, end } = sectionMarks(name);
  const section = `${begin}\n${body.trim()}\n${end}`;
  let text = await readFile(RESULTS, 'utf8').catch(
    () => '# Benchmark results\n\nEach section is written by its benchmark script; rerun commands are in each section.\n',
  );
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(RESULTS, text);
  return section;
}
