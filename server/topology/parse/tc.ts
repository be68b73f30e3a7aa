// `tc -j -s qdisc show` (JSON) and `tc -s class show dev X` per device (text: iproute2 6.1 prints
// classes as text even with -j).
import { z } from 'zod';
import { LEGACY_OPTIONS_KEY, qdiscKey, type Qdisc, type QdiscStats, type TcClass } from '../model';
import { ProbeParseError } from './errors';
import { parseJsonSection } from './json';

const ZQdisc = z.looseObject({
  kind: z.string(),
  handle: z.string(),
  dev: z.string(),
  root: z.boolean().optional(),
  parent: z.string().optional(),
  options: z.record(z.string(), z.unknown()).default({}),
  bytes: z.number().optional(),
  packets: z.number().optional(),
  drops: z.number().optional(),
  overlimits: z.number().optional(),
  requeues: z.number().optional(),
});


/**
 * Before iproute2 5.5 (tbf, sfq, fq, codel; netem before 5.3) `tc -j` printed some qdiscs'
 * options as their text form inside the braces: `"options":{rate 1Mbit burst 3840b lat 10.0ms }`,
 * which is not JSON. That text becomes the option `text`, so the qdisc and its statistics are
 * kept and its parameters are still shown as tc printed them.
 */
export function repairLegacyQdiscJson(body: string): string {
  return body.replace(/"options":\{(?!\s*["}])([^{}"]*)\}/g, (_m, text: string) => `"options":{${JSON.stringify(LEGACY_OPTIONS_KEY)}:${JSON.stringify(text.trim())}}`);
}

/**
 * Counters tc prints among a qdisc's options (htb's packets sent past its classes): they move
 * with traffic, so they are not configuration and would make every read look like a change.
 */
const OPTION_COUNTERS = new Set(['direct_packets_stat']);

export function parseQdiscs(body: string): { qdiscs: Qdisc[]; stats: Record<string, QdiscStats> } {
  const qdiscs: Qdisc[] = [];
  const stats: Record<string, QdiscStats> = {};
  for (const q of parseJsonSection('qdisc', repairLegacyQdiscJson(body), z.array(ZQdisc))) {
    const options = Object.fromEntries(Object.entries(q.options).filter(([k]) => !OPTION_COUNTERS.has(k)));
    qdiscs.push({ dev: q.dev, kind: q.kind, handle: q.handle, parent: q.parent ?? null, root: q.root === true, options });
    if (q.bytes !== undefined) {
      stats[qdiscKey({ dev: q.dev, handle: q.handle, parent: q.parent ?? null })] = { bytes: q.bytes, packets: q.packets ?? 0, drops: q.drops ?? 0, overlimits: q.overlimits ?? 0, requeues: q.requeues ?? 0 };
    }
  }
  return { qdiscs, stats };
}

/**
 * Lines look like `class htb 1:10 root prio 0 rate 600Mbit ceil 1Gbit burst 1500b ...`,
 * `class htb 1:10 parent 1:1 leaf 10: prio 1 rate 10Mbit ...` or `class tbf 1:1 parent 1: `,
 * each block introduced by the probe's own `dev NAME` line. With `-s` each class is followed by
 * indented statistics (fixtures/real/tc/class-show-stats-htb.txt):
 *
 *   ` Sent 1210 bytes 5 pkt (dropped 0, overlimits 0 requeues 0) `
 *   ` backlog 0b 0p requeues 0`, ` lended: 5 borrowed: 0 giants: 0`, ` tokens: 16975 ctokens: 8487`
 *
 * of which what the class sent is kept; the rest (and the blank line after) is skipped. Reads
 * without statistics (older probes) give classes without counters.
 */
export function parseClasses(body: string): TcClass[] {
  const out: TcClass[] = [];
  let dev: string | null = null;
  let current: TcClass | null = null;
  for (const [i, raw] of body.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const devLine = /^dev (\S+)$/.exec(line);
    if (devLine) {
      dev = devLine[1]!;
      current = null;
      continue;
    }
    // A statistics line belongs to the class above it.
    if (/^\s/.test(raw) && current) {
      const sent = /^Sent (\d+) bytes (\d+) pkt/.exec(line);
      if (sent) Object.assign(current, { sentBytes: Number(sent[1]), sentPackets: Number(sent[2]) });
      continue;
    }
    const m = /^class (\S+) (\S+) (root|parent (\S+))(.*)$/.exec(line);
    if (!m || !dev) throw new ProbeParseError('class', `line ${i + 1} is not a tc class: ${JSON.stringify(line.slice(0, 80))}`);
    const rest = m[5] ?? '';
    const prio = /\bprio (\d+)/.exec(rest)?.[1];
    current = {
      dev,
      kind: m[1]!,
      classid: m[2]!,
      parent: m[4] ?? null,
      rate: /\brate (\S+)/.exec(rest)?.[1] ?? null,
      ceil: /\bceil (\S+)/.exec(rest)?.[1] ?? null,
      burst: /\bburst (\S+)/.exec(rest)?.[1] ?? null,
      cburst: /\bcburst (\S+)/.exec(rest)?.[1] ?? null,
      prio: prio === undefined ? null : Number(prio),
      leaf: /\bleaf (\S+)/.exec(rest)?.[1] ?? null,
    };
    out.push(current);
  }
  return out;
}
