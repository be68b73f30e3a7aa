// The probe's class and filter sections run in a real shell with `tc` replaced by a function
// that answers from a capture (fixtures/real/tc/qdisc-show.txt, tc 6.1) and logs each call:
// which tc calls the probe makes, and that what it prints is what the parser reads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeFragment } from '@/server/testing/probe-fragment';
import { parseClasses } from './parse/tc';
import { PROBE_SCRIPT, probeScript } from './probe';
import { parseFilters } from './parse/tc-filter';

const real = (name: string) => readFileSync(new URL(`./parse/fixtures/real/tc/${name}`, import.meta.url), 'utf8');

/** The script from reading the qdisc list as text to the end of the filter section, with the probe's own framing helpers. */
const tcSections = () => probeFragment('reads=$(tc qdisc show', 'e filter $rc');

const dir = mkdtempSync(join(tmpdir(), 'sb-probe-tc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the sections with a stub tc; `answers` maps a tc argument line to its stdout (absent: empty, exit 0). */
function run(qdiscText: string, answers: Record<string, string | { exit: number }>, withTc = true) {
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(join(dir, 'qdiscs.txt'), qdiscText);
  const cases = Object.entries(answers)
    .map(([args, out]) => `    '${args}') ${typeof out === 'string' ? `cat <<'EOF'\n${out}\nEOF\n` : `return ${out.exit}`} ;;`)
    .join('\n');
  const stub = withTc
    ? `tc() {
  printf '%s\\n' "$*" >> "$LOG"
  case "$*" in
    'qdisc show') cat "$DIR/qdiscs.txt" ;;
${cases}
  esac
}`
    : '';
  const out = execFileSync('sh', ['-c', `${stub}\n${tcSections()}`], { env: { ...process.env, PATH: '/usr/bin:/bin', LOG: log, DIR: dir }, encoding: 'utf8' });
  return { out, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

const sectionBody = (out: string, name: string) => {
  const m = new RegExp(`@@sb:${name}@@\\n([\\s\\S]*?)\\n@@sb-end:${name}:(\\d+)@@`).exec(out);
  return m ? { body: m[1]!, exit: Number(m[2]) } : null;
};

describe('the probe asks tc for filters only where they can be', () => {
  // The scratch host's qdisc list, plus (written here) a prio root, a default fq_codel root, and a
  // device that is gone by the time its filters are asked for (with a second classful qdisc).
  const qdiscs = `${real('qdisc-show.txt')}qdisc prio 2: dev eth4 root refcnt 2 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1
qdisc fq_codel 0: dev eth5 root refcnt 2 limit 10240p flows 1024 quantum 1514 target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64
qdisc htb 1: dev gone0 root refcnt 2 r2q 10 default 0 direct_packets_stat 0 direct_qlen 1000
qdisc prio 10: dev gone0 parent 1:10 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1
`;
  const eth2 = real('filter-show-htb-u32.json').trim();
  const { out, calls } = run(qdiscs, {
    '-j filter show dev eth2 parent 1:': eth2,
    '-j filter show dev eth1 parent ffff:': '[{"protocol":"ip","pref":1,"kind":"u32","chain":0,"options":{"fh":"800::800","match":{"value":"0","mask":"0","offmask":"","off":0},"actions":[{"order":1,"kind":"police","index":1}]}}]',
    'filter show dev eth1 parent ffff:': '\taction order 1:  police 0x1 rate 1Mbit burst 10Kb mtu 2Kb action drop overhead 0b',
    '-j filter show dev gone0 parent 1:': { exit: 2 },
    '-s class show dev eth2': real('class-show-stats-htb.txt').trimEnd(),
  });

  it('makes one tc call per classful qdisc, ingress and clsact side, and none for the rest', () => {
    expect(calls.filter((c) => c.includes('filter show'))).toEqual([
      '-j filter show dev eth1 parent ffff:',
      'filter show dev eth1 parent ffff:', // only here: the JSON had a police action
      '-j filter show dev eth2 parent 1:',
      '-j filter show dev eth3 parent ffff:fff2',
      '-j filter show dev eth3 parent ffff:fff3',
      '-j filter show dev eth4 parent 2:',
      '-j filter show dev gone0 parent 1:',
      '-j filter show dev gone0 parent 10:',
    ]);
    // The qdisc list is read once for both sections.
    expect(calls.filter((c) => c === 'qdisc show')).toHaveLength(1);
    // One call per device, in the qdisc list's order (a device with two classful qdiscs is asked once).
    expect(calls.filter((c) => c.includes('class show'))).toEqual(['-s class show dev eth2', '-s class show dev vnet0', '-s class show dev eth4', '-s class show dev gone0']);
  });

  it('frames each answer so the parser reads it, and reports the failed one', () => {
    const filter = sectionBody(out, 'filter');
    expect(filter?.exit).toBe(0);
    const parsed = parseFilters(filter!.body);
    expect(parsed.failed).toEqual(['gone0 (1:): tc filter show failed with exit code 2']);
    expect(parsed.unreadable).toEqual([]);
    expect(parsed.filters.filter((f) => f.dev === 'eth2')).toHaveLength(10);
    expect(parsed.filters.find((f) => f.dev === 'eth1')).toMatchObject({ match: 'all IPv4 traffic', actions: ['police 1 Mbit/s burst 10 KiB, excess drop'] });
  });

  it('reads classes with their counters (-s), framed per device as the parser reads them', () => {
    const classes = sectionBody(out, 'class');
    expect(classes?.exit).toBe(0);
    expect(parseClasses(classes!.body).map((c) => `${c.dev} ${c.classid} ${c.sentPackets ?? '-'}`)).toEqual(['eth2 1:10 5', 'eth2 1:1 8', 'eth2 1:20 3', 'eth2 20:1 -']);
  });

  it('says "not installed" (127) when there is no tc', () => {
    const { out: without } = run('', {}, false);
    expect(sectionBody(without, 'filter')).toEqual({ body: '', exit: 127 });
    expect(sectionBody(without, 'class')).toEqual({ body: '', exit: 127 });
  });
});

describe("the benchmark's baseline without what issue 13 added (bench/refresh.ts)", () => {
  const starts = (script: string) => ['class', 'filter', 'firewall', 'listening', 'ovs'].filter((name) => new RegExp(`^\\s*s ${name}\\b`, 'm').test(script));

  it('leaves out class counters, tc filters, the firewall and Open vSwitch, and nothing else', () => {
    const full = probeScript();
    const baseline = probeScript({ traffic: false });
    // Listening ports are read by a port forward's review only (listening-read.ts), in no probe.
    expect(starts(full)).toEqual(['class', 'filter', 'firewall', 'ovs']);
    expect(full).not.toMatch(/\bss -H/);
    // The class read the probe had before issue 13 stays (the same devices), without counters.
    expect(starts(baseline)).toEqual(['class']);
    expect(full).toContain('tc -s class show dev "$d"');
    expect(baseline).toContain('tc class show dev "$d"');
    const commands = baseline.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
    expect(commands).not.toMatch(/ -s class|filter show|nft |iptables-save|ss -H|ovs-vsctl --timeout/);
    // The baseline is the full probe with lines taken out (and an empty function body filled),
    // and the class read without counters.
    const fullLines = full.replace('tc -s class show', 'tc class show').split('\n');
    let at = 0;
    for (const line of baseline.split('\n').filter((l) => l.trim() !== ':' && l.trim() !== '')) {
      while (at < fullLines.length && fullLines[at] !== line) at++;
      expect(at, `baseline line not in the full probe, in order: ${line}`).toBeLessThan(fullLines.length);
      at++;
    }
    expect(baseline.split('\n').length).toBeLessThan(fullLines.length - 40);
    // Both are valid shell.
    for (const script of [full, baseline]) execFileSync('sh', ['-n'], { input: script });
    expect(probeScript({})).toBe(PROBE_SCRIPT);
  });
});
