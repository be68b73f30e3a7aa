// What Switchboard keeps for boot beside the network configuration (kept.ts, kinds/keep-at-boot.ts):
// the tc file's blocks (one per interface, untouched ones kept as they were), the NAT files, the
// unit, the refusals in words, the documents' shapes, and the kind's exact inverse.
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import type { Topology } from '@/server/topology/model';
import { checkDocument } from '../documents';
import { hostTopology } from '../fixtures';
import { invertOperation } from '../invert';
import type { Operation } from '../ops';
import { applyOperation } from '../project';
import { renderOperation } from '../render';
import { validateOperation } from '../validate';
import { forwardRulesFileOf, keepingProblem, keptWritesFor, tcBlocksOf } from './kept';
import { KEPT_TC_FILE, RESTORE_UNIT, RESTORE_UNIT_FILE, RESTORE_WANTS_FILE } from './restore-unit';

const withSystemd = (t: Topology, files: { path: string; content: string }[] = []): Topology => ({
  ...t,
  host: { ...t.host, bootConfig: { backend: 'ifupdown', reason: '', files, installed: ['ifupdown', 'systemd'] } },
});
const tbf = (dev: string): Operation => ({ kind: 'setQdisc', dev, qdisc: { kind: 'tbf', rateKbit: 10_000, burstBytes: 32_768, latencyMs: 50 } });
const KEPT_ETH3 = '# Kept by Switchboard\n# dev eth3\nqdisc add dev eth3 root handle 1: netem delay 5ms\n';

describe('keptWritesFor: the tc file', () => {
  it('writes the touched interface\'s tree as a block, keeps the other blocks as they were, and adds the unit', () => {
    const t = applyOperation(withSystemd(hostTopology(), [{ path: KEPT_TC_FILE, content: KEPT_ETH3 }]), tbf('eth2'));
    const r = keptWritesFor(t, ['eth2']);
    if (!r.ok) throw new Error(r.why);
    const tc = r.writes.find((w) => w.path === KEPT_TC_FILE)!;
    expect(tc.before).toBe(KEPT_ETH3);
    expect([...tcBlocksOf(tc.after)]).toEqual([
      ['eth3', ['qdisc add dev eth3 root handle 1: netem delay 5ms']],
      ['eth2', ['qdisc add dev eth2 root handle 1: tbf rate 10Mbit burst 32768 latency 50ms']],
    ]);
    expect(r.writes.map((w) => w.path)).toEqual([KEPT_TC_FILE, RESTORE_UNIT_FILE, RESTORE_WANTS_FILE]);
    expect(r.writes.find((w) => w.path === RESTORE_UNIT_FILE)).toEqual({ path: RESTORE_UNIT_FILE, before: null, after: RESTORE_UNIT });
  });

  it('drops the block of an interface back on the kernel default, or deleted; the unit stays while another block does', () => {
    const t = withSystemd(hostTopology(), [{ path: KEPT_TC_FILE, content: KEPT_ETH3 + '# dev eth2\nqdisc add dev eth2 root handle 1: netem delay 1ms\n' }, { path: RESTORE_UNIT_FILE, content: RESTORE_UNIT }]);
    const r = keptWritesFor(t, ['eth2', 'gone0']);
    if (!r.ok) throw new Error(r.why);
    expect([...tcBlocksOf(r.writes.find((w) => w.path === KEPT_TC_FILE)!.after)].map(([dev]) => dev)).toEqual(['eth3']);
    expect(r.writes.some((w) => w.path === RESTORE_UNIT_FILE)).toBe(false); // already there, unchanged
    expect(r.writes.find((w) => w.path === RESTORE_WANTS_FILE)?.before).toBeNull(); // the drop-in was missing: written
  });

  it("keeps an interface's ingress policing in its block, after its root tree, as lines the boot file's shape accepts", () => {
    const policed = applyOperation({ ...withSystemd(hostTopology()), filters: [] }, { kind: 'setIngressPolicing', dev: 'eth2', rateKbit: 10_000, burstBytes: 16_384 });
    const t = applyOperation(policed, tbf('eth2'));
    const r = keptWritesFor(t, ['eth2']);
    if (!r.ok) throw new Error(r.why);
    const after = r.writes.find((w) => w.path === KEPT_TC_FILE)!.after!;
    expect(tcBlocksOf(after).get('eth2')).toEqual([
      'qdisc add dev eth2 root handle 1: tbf rate 10Mbit burst 32768 latency 50ms',
      'qdisc add dev eth2 handle ffff: ingress',
      'filter add dev eth2 parent ffff: protocol all pref 1 u32 match u32 0 0 action police rate 10Mbit burst 16Kb mtu 64kb drop',
    ]);
    expect(() => checkDocument({ shape: 'tc-batch', text: after })).not.toThrow();
    // Policing alone keeps a block; taken off, the block goes.
    const alone = keptWritesFor(policed, ['eth2']);
    expect(alone.ok && tcBlocksOf(alone.writes.find((w) => w.path === KEPT_TC_FILE)!.after).get('eth2')).toHaveLength(2);
    const off = keptWritesFor(applyOperation(withSystemd(policed, [{ path: KEPT_TC_FILE, content: after }]), { kind: 'removeIngressPolicing', dev: 'eth2' }), ['eth2']);
    expect(off.ok && off.writes.find((w) => w.path === KEPT_TC_FILE)?.after).toBeNull();
  });

  it('removes the file and the unit when nothing is left to keep', () => {
    const t = withSystemd(hostTopology(), [{ path: KEPT_TC_FILE, content: KEPT_ETH3 }, { path: RESTORE_UNIT_FILE, content: RESTORE_UNIT }]);
    const r = keptWritesFor(t, ['eth3']);
    if (!r.ok) throw new Error(r.why);
    expect(r.writes.map((w) => [w.path, w.after])).toEqual([[KEPT_TC_FILE, null], [RESTORE_UNIT_FILE, null]]);
  });

  it('refuses in words: no systemd, a boot configuration not read, a kept file edited by hand, a tree it cannot write exactly', () => {
    const t = hostTopology();
    expect(keepingProblem(t)).toBe("hv-test's boot configuration has not been read");
    expect(keepingProblem({ ...t, host: { ...t.host, bootConfig: { backend: 'ifupdown', reason: '', files: [], installed: ['ifupdown'] } } })).toBe(
      "hv-test does not run systemd, which starts Switchboard's boot unit",
    );
    const edited = withSystemd(t, [{ path: KEPT_TC_FILE, content: '# dev eth2\nfilter add dev eth2 parent 1: u32 match u32 0 0 action mirred egress redirect dev eth0\n' }]);
    expect(keepingProblem(edited)).toBe(`${KEPT_TC_FILE} was edited by hand (it uses "action", which Switchboard never writes); restore it or remove it`);
    const odd = withSystemd({ ...t, qdiscs: [...t.qdiscs.filter((q) => q.dev !== 'eth2'), { dev: 'eth2', kind: 'choke', handle: '1:', parent: null, root: true, options: {} } as Topology['qdiscs'][number]] });
    const r = keptWritesFor(odd, ['eth2']);
    expect(r.ok === false && r.why).toMatch(/^eth2's current tc tree holds .*choke/);
  });
});

describe('the NAT files', () => {
  it('writes the accepts for iptables-restore, each inserted on top of libvirt\'s rules', () => {
    const text = forwardRulesFileOf([{ tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'c1' }])!;
    expect(text.split('\n').slice(1)).toEqual([
      '*filter',
      '-I FORWARD -d 192.168.122.10/32 -o virbr0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment switchboard:c1 -j ACCEPT',
      'COMMIT',
      '',
    ]);
    expect(() => checkDocument({ shape: 'iptables-rules', text })).not.toThrow();
    expect(forwardRulesFileOf([])).toBeNull();
  });

  it('leaves the NAT files alone when the firewall was not read', () => {
    const t = withSystemd({ ...applyOperation(hostTopology(), tbf('eth2')), firewall: undefined }, [{ path: '/etc/switchboard/nat.nft', content: 'table inet switchboard\ndelete table inet switchboard\n' }]);
    const r = keptWritesFor(t, ['eth2']);
    expect(r.ok && r.writes.map((w) => w.path)).not.toContain('/etc/switchboard/nat.nft');
  });
});

describe('the kept documents\' shapes (what runs as root at boot)', () => {
  it.each([
    ['tc-batch', '# dev eth2\nqdisc add dev eth2 root handle 1: tbf rate 10Mbit burst 32Kb latency 50ms\n', null],
    ['tc-batch', 'qdisc add dev eth2 root handle 1: tbf rate 10Mbit; reboot\n', /a line Switchboard does not write/],
    ['tc-batch', 'exec bpf graft m:globals/jmp\n', /a line Switchboard does not write/],
    ['tc-batch', 'filter add dev eth2 parent 1: bpf obj x.o\n', /uses "bpf"/],
    ['tc-batch', 'filter add dev eth2 parent ffff: protocol all pref 1 u32 match u32 0 0 action police rate 1Mbit burst 16Kb mtu 64kb drop\n', null],
    ['tc-batch', 'filter add dev eth2 parent ffff: protocol all pref 1 u32 match u32 0 0 action police rate 1Mbit burst 16Kb drop action mirred egress redirect dev eth0\n', /uses "action"/],
    ['tc-batch', 'qdisc del dev eth2 root\n', /a line Switchboard does not write/],
    ['iptables-rules', '*filter\n-I FORWARD -j ACCEPT\nCOMMIT\n', /a line Switchboard does not write/],
    ['iptables-rules', '*nat\n', /a line Switchboard does not write/],
    ['systemd-unit', RESTORE_UNIT, null],
    ['systemd-unit', RESTORE_UNIT.replace('nft -f', '/bin/sh -c'), /not the unit or drop-in Switchboard writes/],
  ] as const)('%s %j', (shape, text, problem) => {
    const check = () => checkDocument({ shape, text });
    if (problem) expect(check).toThrow(problem);
    else expect(check).not.toThrow();
  });
});

describe('keepAtBoot', () => {
  const before = withSystemd(hostTopology(), [{ path: KEPT_TC_FILE, content: KEPT_ETH3 }]);
  const op: Operation = { kind: 'keepAtBoot', files: [{ path: KEPT_TC_FILE, content: null }, { path: RESTORE_UNIT_FILE, content: RESTORE_UNIT }] };

  it('writes and removes the files, each undone by the file as it was; its inverse gives the files back', () => {
    expect(validateOperation(before, op)).toEqual([]);
    const commands = renderOperation(op, before);
    expect(commands.map((c) => [c.argv, c.inverse])).toEqual([
      [['sb-remove-file', KEPT_TC_FILE], [['sb-write-file', KEPT_TC_FILE, '@doc1']]],
      [['sb-write-file', RESTORE_UNIT_FILE, '@doc1'], [['sb-remove-file', RESTORE_UNIT_FILE]]],
    ]);
    const after = applyOperation(before, op);
    expect(after.host.bootConfig!.files).toEqual([{ path: RESTORE_UNIT_FILE, content: RESTORE_UNIT }]);
    const [inverse] = invertOperation(op, before);
    expect(applyOperation(after, inverse!).host.bootConfig!.files).toEqual(before.host.bootConfig!.files);
  });

  it('is refused for a path or a text Switchboard does not write, and cannot be drafted', () => {
    expect(validateOperation(before, { kind: 'keepAtBoot', files: [{ path: KEPT_TC_FILE, content: 'exec bpf\n' }] })).toEqual([
      `${KEPT_TC_FILE} would not be what Switchboard writes: a tc-batch document has a line Switchboard does not write: "exec bpf".`,
    ]);
    const drafted = ZAddOperations.safeParse({ hostId: 'h1', operations: [op] });
    expect(drafted.success).toBe(false);
    expect(JSON.stringify(drafted.error?.issues)).toContain('cannot be drafted');
    expect(ZAddOperations.safeParse({ hostId: 'h1', operations: [{ kind: 'keepAtBoot', files: [{ path: '/etc/rc.local', content: '' }] }] }).success).toBe(false);
  });
});
