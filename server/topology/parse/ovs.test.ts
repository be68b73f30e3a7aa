// Open vSwitch against real output: the whole probe run on the real-kernel lab host kv1 while
// two scratch bridges existed (tunnels, a bond, trunks, a tagged tap as libvirt tags a VM's, a
// patch pair, a missing device and a hostile port name), kv1's seeded bridge alone, and
// ovs-vsctl's own words when its database does not answer. How: fixtures/real/ovs/SOURCES.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OvsState } from '../model';
import { parseProbeOutput } from './index';
import { parseOvs } from './ovs';
import { missingInWords } from '../words';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const scratchProbe = fixture('real/ovs/kv1-scratch.probe.txt');
const seedSection = fixture('real/ovs/kv1-seed.ovs.txt');
const HOSTILE = 'sb"q;$(x)\n@@sb-end:ovs:0@@é';

/** The probe output with its ovs section replaced (body and exit status). */
const withOvsSection = (probe: string, body: string, exit: number) => probe.replace(/@@sb:ovs@@\n[\s\S]*?\n@@sb-end:ovs:\d+@@/, () => `@@sb:ovs@@\n${body}\n@@sb-end:ovs:${exit}@@`);
/** A namespace lab host's probe (no OVS in its kernel) with an ovs section added. */
const withoutDatapath = (body: string, exit: number) =>
  fixture('lab-full-hv1.probe.txt').replace(/\n@@sb:link_stats@@/, () => `\n@@sb:ovs@@\n${body}\n@@sb-end:ovs:${exit}@@\n@@sb:link_stats@@`);

describe('the probe on kv1 with scratch bridges (Open vSwitch 3.1.0)', () => {
  const { topology: t } = parseProbeOutput(scratchProbe);
  const ovs = t.ovs!;
  const port = (name: string) => ovs.bridges.flatMap((b) => b.ports).find((p) => p.name === name)!;

  it('reads every bridge, ordered by name, with nothing missing', () => {
    expect(t.missing).toEqual([]);
    expect(ovs.version).toBe('3.1.0');
    expect(ovs.bridges.map((b) => b.name)).toEqual(['ovsbr0', 'sbscratch', 'sbscratch2']);
    expect(ovs.bridges[1]!.ports.map((p) => p.name)).toEqual(['gnv9', 'gre9', 'patch-a', 'sbbond', 'sbnative', 'sbscratch', 'sbtap9', 'sbtrunk', 'vx9']);
  });

  it('reads access tags, trunks and VLAN modes', () => {
    expect([port('ovsint0'), port('ovsv0')].map((p) => [p.tag, p.trunks, p.vlanMode])).toEqual([
      [10, [], null],
      [20, [], null],
    ]);
    expect(port('sbtrunk')).toMatchObject({ tag: null, trunks: [10, 20], vlanMode: 'trunk', bond: null });
    expect(port('sbnative')).toMatchObject({ tag: 40, trunks: [41, 42], vlanMode: 'native-untagged' });
    expect(port('ovsint0').interfaces).toEqual([expect.objectContaining({ name: 'ovsint0', type: 'internal' })]);
    // OVS's empty type is a kernel device.
    expect(port('ovsv0').interfaces[0]!.type).toBe('system');
  });

  it('reads tunnels with their endpoints, key and port', () => {
    expect(port('vx9').interfaces).toEqual([
      { name: 'vx9', type: 'vxlan', remote: '198.18.0.99', local: '198.18.0.211', key: '100', dstPort: 4790, peer: null, attachedMac: null, error: null },
    ]);
    expect(port('gre9').interfaces[0]).toMatchObject({ type: 'gre', remote: '198.18.0.98', key: null, dstPort: null });
    expect(port('gnv9').interfaces[0]).toMatchObject({ type: 'geneve', remote: '198.18.0.97', key: 'flow' });
  });

  it('reads a bond with its members, a patch pair, the MAC libvirt records on a tap, and OVS errors', () => {
    expect(port('sbbond').bond).toEqual({ mode: 'balance-slb', lacp: 'off' });
    expect(port('sbbond').interfaces.map((i) => [i.name, i.type])).toEqual([
      ['sbd1', 'system'],
      ['sbd2', 'system'],
    ]);
    expect([port('patch-a'), port('patch-b')].map((p) => [p.interfaces[0]!.type, p.interfaces[0]!.peer])).toEqual([
      ['patch', 'patch-b'],
      ['patch', 'patch-a'],
    ]);
    expect(port('sbtap9')).toMatchObject({ tag: 30, interfaces: [expect.objectContaining({ type: 'system', attachedMac: '52:54:00:5b:09:01' })] });
    expect(port('sbmissing').interfaces[0]!.error).toBe('could not open network device sbmissing (No such device)');
  });

  it('keeps a hostile name verbatim and the sections after it intact', () => {
    // The name holds a newline and this section's own end marker: ovs-vsctl's JSON escapes the
    // newline, so the marker never starts a line and the section ends where the probe ends it.
    expect(scratchProbe).toContain('sb\\"q;$(x)\\n@@sb-end:ovs:0@@');
    const hostile = port(HOSTILE);
    expect(hostile.interfaces[0]).toMatchObject({ name: HOSTILE, type: 'vxlan', remote: '198.18.0.96' });
    expect(hostile.interfaces[0]!.error).toBe(`could not add network device ${HOSTILE} to ofproto (Address already in use)`);
    expect(t.vms.map((v) => v.name)).toEqual(['build1']);
  });
});

describe('parseOvs', () => {
  it('reads kv1\'s seeded bridge (lab/vm/seed.ts) exactly', () => {
    const ovsint0 = { name: 'ovsint0', type: 'internal', remote: null, local: null, key: null, dstPort: null, peer: null, attachedMac: null, error: null };
    expect(parseOvs(seedSection)).toEqual<OvsState>({
      version: '3.1.0',
      bridges: [
        {
          name: 'ovsbr0',
          ports: [
            { name: 'ovsbr0', tag: null, trunks: [], vlanMode: null, bond: null, interfaces: [{ ...ovsint0, name: 'ovsbr0' }] },
            { name: 'ovsint0', tag: 10, trunks: [], vlanMode: null, bond: null, interfaces: [ovsint0] },
            { name: 'ovsv0', tag: 20, trunks: [], vlanMode: null, bond: null, interfaces: [{ ...ovsint0, name: 'ovsv0', type: 'system' }] },
          ],
        },
      ],
    });
  });

  it('gives the same state whatever order the database lists its rows in', () => {
    const section = scratchProbe.match(/@@sb:ovs@@\n([\s\S]*?)\n@@sb-end:ovs:0@@/)![1]!.trim();
    const reversed = section
      .split('\n')
      .map((line) => {
        const doc = JSON.parse(line) as { data: unknown[][]; headings: string[] };
        return JSON.stringify({ ...doc, data: [...doc.data].reverse(), headings: doc.headings });
      })
      .join('\n');
    expect(reversed).not.toBe(section);
    expect(parseOvs(reversed)).toEqual(parseOvs(section));
  });

  it('finds columns by heading, decodes one-element sets as atoms, and keeps unknown types', () => {
    const body = [
      { headings: ['ovs_version'], data: [[['set', []]]] },
      { headings: ['name', 'ports', '_uuid'], data: [['br-x', ['uuid', 'p1'], ['uuid', 'b1']]] },
      // Columns in another order; trunks of one VLAN are that atom, not a set.
      { headings: ['trunks', '_uuid', 'name', 'interfaces', 'tag', 'vlan_mode', 'bond_mode', 'lacp'], data: [[7, ['uuid', 'p1'], 'p1', ['uuid', 'i1'], ['set', []], 'trunk', ['set', []], ['set', []]]] },
      {
        headings: ['_uuid', 'name', 'type', 'options', 'external_ids', 'error'],
        data: [[['uuid', 'i1'], 'p1', 'stt', ['map', [['remote_ip', 'flow'], ['dst_port', 'not a port']]], ['map', [['attached-mac', 'x']]], ['set', []]]],
      },
    ]
      .map((d) => JSON.stringify(d))
      .join('\n');
    expect(parseOvs(body)).toEqual({
      version: null,
      bridges: [{ name: 'br-x', ports: [{ name: 'p1', tag: null, trunks: [7], vlanMode: 'trunk', bond: null, interfaces: [{ name: 'p1', type: 'stt', remote: 'flow', local: null, key: null, dstPort: null, peer: null, attachedMac: 'x', error: null }] }] }],
    });
  });

  it('leaves out rows no bridge refers to and references to rows that are gone', () => {
    const body = [
      { headings: ['ovs_version'], data: [['3.1.0']] },
      { headings: ['_uuid', 'name', 'ports'], data: [[['uuid', 'b1'], 'br0', ['set', [['uuid', 'p1'], ['uuid', 'gone']]]]] },
      {
        headings: ['_uuid', 'name', 'interfaces', 'tag', 'trunks', 'vlan_mode', 'bond_mode', 'lacp'],
        data: [
          [['uuid', 'p1'], 'p1', ['set', [['uuid', 'i1'], ['uuid', 'gone']]], 5, ['set', []], ['set', []], ['set', []], ['set', []]],
          [['uuid', 'p2'], 'orphan', ['uuid', 'i2'], ['set', []], ['set', []], ['set', []], ['set', []], ['set', []]],
        ],
      },
      {
        headings: ['_uuid', 'name', 'type', 'options', 'external_ids', 'error'],
        data: [
          [['uuid', 'i1'], 'p1', '', ['map', []], ['map', []], ['set', []]],
          [['uuid', 'i2'], 'orphan', '', ['map', []], ['map', []], ['set', []]],
        ],
      },
    ]
      .map((d) => JSON.stringify(d))
      .join('\n');
    const state = parseOvs(body)!;
    expect(state.bridges[0]!.ports.map((p) => [p.name, p.tag, p.bond, p.interfaces.map((i) => i.name)])).toEqual([['p1', 5, null, ['p1']]]);
  });

  it('says no Open vSwitch for an empty section (ovs-vsctl not installed), and refuses what it cannot read', () => {
    expect(parseOvs('')).toBeUndefined();
    expect(parseOvs('\n')).toBeUndefined();
    expect(() => parseOvs('{"data": [[')).toThrow(/table 1 is not valid JSON/);
    expect(() => parseOvs(seedSection.split('\n').slice(0, 3).join('\n'))).toThrow(/expected 4 tables/);
    expect(() => parseOvs('{"rows": []}\n{}\n{}\n{}')).toThrow(/unexpected shape/);
  });

  it('skips a warning ovs-vsctl prints beside its tables', () => {
    expect(parseOvs(`2026-12-02T10:45:42Z|00001|reconnect|WARN|unix:/var/run/openvswitch/db.sock: connection dropped\n${seedSection}`)).toEqual(parseOvs(seedSection));
  });
});

describe('a host without Open vSwitch, or whose database does not answer', () => {
  it('has no ovs and nothing missing when ovs-vsctl is not installed (an empty section)', () => {
    const { topology: t } = parseProbeOutput(withoutDatapath('', 0));
    expect(t.ovs).toBeUndefined();
    expect(t.missing.map((m) => m.section)).not.toContain('ovs');
    expect('ovs' in t).toBe(false);
  });

  it('has no ovs and nothing missing in a capture made before the probe read it', () => {
    const { topology: t } = parseProbeOutput(fixture('lab-kv1.probe.txt'));
    expect(t.ovs).toBeUndefined();
    expect(t.missing).toEqual([]);
  });

  it('reports a database that timed out as missing, and keeps the rest of the host', () => {
    const { topology: t } = parseProbeOutput(withOvsSection(scratchProbe, fixture('real/ovs/db-timeout.txt').trim(), 142));
    expect(t.ovs).toBeUndefined();
    expect(t.missing).toEqual([{ section: 'ovs', reason: 'its database did not answer in time (ovs-vsctl gave up after 2 s)' }]);
    expect(missingInWords(t.missing[0]!)).toBe('Open vSwitch: its database did not answer in time (ovs-vsctl gave up after 2 s)');
    expect(t.interfaces.some((i) => i.name === 'ovsbr0')).toBe(true);
    expect(t.vms).toHaveLength(1);
  });

  it('reports a database without a socket as missing where the kernel has an OVS datapath', () => {
    const noSocket = fixture('real/ovs/db-no-socket.txt').trim();
    const { topology: t } = parseProbeOutput(withOvsSection(scratchProbe, noSocket, 1));
    expect(t.missing).toEqual([{ section: 'ovs', reason: 'its database could not be read (unix:/tmp/sbnone.sock: database connection failed (No such file or directory))' }]);
  });

  it('treats a database without a socket as no Open vSwitch where the kernel has no datapath either', () => {
    const { topology: t } = parseProbeOutput(withoutDatapath(fixture('real/ovs/db-no-socket.txt').trim(), 1));
    expect(t.ovs).toBeUndefined();
    expect(t.missing.map((m) => m.section)).not.toContain('ovs');
  });

  it('marks output it cannot understand as unreadable, not as an error of the whole read', () => {
    const { topology: t } = parseProbeOutput(withOvsSection(scratchProbe, '{"headings": "nope"}\n{}\n{}\n{}', 0));
    expect(t.ovs).toBeUndefined();
    expect(t.missing).toEqual([{ section: 'ovs', reason: expect.stringMatching(/^its output could not be read \(table 1 has an unexpected shape/), unreadable: true }]);
    expect(t.interfaces.length).toBeGreaterThan(20);
  });
});
