import { KERNEL_SECTIONS, OPTIONAL_SECTIONS, PROBE_SECTIONS, SECTION_END, SECTION_MARK, type ProbeSection } from '../probe';
import { ProbeParseError } from './errors';

export interface Section {
  body: string;
  exitCode: number;
}

const MARK = new RegExp(`^${SECTION_MARK}([a-z0-9_]+)@@$`);
const END = new RegExp(`^${SECTION_END}([a-z0-9_]+):(\\d+)@@$`);

/**
 * Splits the probe's output into its sections. Every expected section must be present and
 * closed: a truncated output (a killed connection) is an error, not a topology with holes.
 */
export function splitSections(output: string, { complete = true }: { complete?: boolean } = {}): Map<ProbeSection, Section> {
  const sections = new Map<ProbeSection, Section>();
  let current: { name: string; lines: string[] } | null = null;
  for (const line of output.split('\n')) {
    const start = MARK.exec(line);
    if (start) {
      if (current) throw new ProbeParseError(current.name, `not closed before section "${start[1]}" began`);
      current = { name: start[1]!, lines: [] };
      continue;
    }
    const end = END.exec(line);
    if (end) {
      if (!current || current.name !== end[1]) throw new ProbeParseError(end[1]!, 'end marker without its start');
      if ((PROBE_SECTIONS as readonly string[]).includes(current.name)) {
        sections.set(current.name as ProbeSection, { body: current.lines.join('\n').trim(), exitCode: Number(end[2]) });
      }
      current = null;
      continue;
    }
    current?.lines.push(line);
  }
  if (current) throw new ProbeParseError(current.name, 'output ended inside this section (connection lost or output truncated?)');
  if (!complete) return sections;
  const missing = PROBE_SECTIONS.filter((s) => !sections.has(s) && !OPTIONAL_SECTIONS.includes(s));
  if (missing.length) throw new ProbeParseError(missing[0]!, `missing from the probe output (also missing: ${missing.slice(1).join(', ') || 'none'})`);
  return sections;
}

/**
 * A full probe output with the sections of a partial one (the kernel's, KERNEL_SECTIONS) laid
 * over it: what a read of only those sections knows, completed by the last full read.
 */
export function overlaySections(full: string, partial: string): string {
  const base = splitSections(full);
  const top = splitSections(partial, { complete: false });
  return PROBE_SECTIONS.flatMap((name) => {
    // A kernel section the partial read lacks is not taken from the full one: it may be one the
    // probe no longer reads (link_stats), whose old values would stand beside the new read's.
    const s = KERNEL_SECTIONS.includes(name) ? top.get(name) : (top.get(name) ?? base.get(name));
    return s ? [`${SECTION_MARK}${name}@@\n${s.body}\n${SECTION_END}${name}:${s.exitCode}@@`] : [];
  }).join('\n');
}
