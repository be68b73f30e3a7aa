// addPortForward, removePortForward, addMasquerade and removeMasquerade: the API fields scripts
// rely on, the refusals and warnings in words, Switchboard's table as one document with the
// table as it was for its undo, the accept libvirt's NAT networks need, Revert, and the
// after-apply check.
import { describe, expect, it } from 'vitest';
import { ZAddOperations } from '@/server/changes/changes.types';
import type { FirewallState, Topology } from '@/server/topology/model';
import { hostTopology, MGMT_ADDRESS } from '../fixtures';
import { invertOperation } from '../invert';
import type { Operation } from '../ops';
import { persistenceOf } from '../persistence';
import { planChange } from '../planner';
import { applyOperation } from '../project';
import { renderOperation } from '../render';
import { validateOperation } from '../validate';
import { differencesFromIntended } from '../verify';
import { warningsOf } from '../warnings';
import { switchboardTableDocument } from '../nat';
import { NAT_EXAMPLES } from '@/server/testing/kind-examples';
import { firewallState, masqueradeRule } from '@/server/testing/firewall-examples';
import { checkDocument } from '../documents';
import { describeOperation, ZOperation } from '../ops';
import { invertSequence } from '../invert';
import { applyOperations } from '../project';
import { validateOperations } from '../validate';

const LIBVIRT_MASQUERADE = masqueradeRule({ outInterface: null });
const firewall = (extra: Partial<FirewallState> = {}) => firewallState({ masquerades: [LIBVIRT_MASQUERADE], ...extra });

/** The plan fixture host with libvirt's NAT rules read, web1 leased 192.168.122.10, sshd on port 22. */
function natHost(extra: Partial<FirewallState> = {}): Topology {
  const t = hostTopology();
  return {
    ...t,
    networks: t.networks.map((n) => (n.name === 'default' ? { ...n, leases: [{ mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, hostname: 'web1', expires: '2026-12-02 23:00:00' }] } : n)),
    firewall: firewall(extra),
    listening: [{ protocol: 'tcp', address: '*', port: 22 }],
  };
}

const toWeb1: Operation = { kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0' };
const masq: Operation = { kind: 'addMasquerade', source: '198.18.1.0/24', outInterface: 'eth0' };
const line = (argv: readonly string[]) => argv.join(' ');
const ACCEPT = (verb: string, comment: string) => `iptables -w ${verb} FORWARD -d 192.168.122.10/32 -o virbr0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment ${comment} -j ACCEPT`;
const EMPTY_TABLE = 'table inet switchboard\ndelete table inet switchboard\n';

/** natHost with what NAT_EXAMPLES remove: Switchboard's forward of tcp 2222 to web1's SSH (and its accept), its masquerade of 198.18.100.0/24. */
function exampleHost(): Topology {
  const t = natHost();
  const withForward = applyOperation(t, { kind: 'addPortForward', protocol: 'tcp', hostPort: 2222, toAddress: '192.168.122.10', toPort: 22 }, { changeId: 'c0' });
  return applyOperation(withForward, { kind: 'addMasquerade', source: '198.18.100.0/24', outInterface: 'eth0' }, { changeId: 'c0' });
}

describe('examples', () => {
  it.each(NAT_EXAMPLES)('$op.kind: "$description" is valid against the fixture host, renders documents of their shape, and its Revert gives the firewall back', ({ op: o, description }) => {
    const op = ZOperation.parse(o);
    const before = exampleHost();
    expect(validateOperation(before, op)).toEqual([]);
    expect(describeOperation(op)).toBe(description);
    for (const c of renderOperation(op, before, { changeId: 'c1' })) for (const d of c.documents ?? []) expect(() => checkDocument(d)).not.toThrow();
    const after = applyOperation(before, op, { changeId: 'c1' });
    expect(after.firewall).not.toEqual(before.firewall);
    const inverse = invertSequence([op], before);
    expect(validateOperations(after, inverse).checks.flatMap((c) => c.errors)).toEqual([]);
    // A rule put back is the same rule, written by the revert's change.
    const rules = (t: Topology) => JSON.stringify({ ...t.firewall, portForwards: t.firewall!.portForwards.map((p) => ({ ...p, changeId: null })), masquerades: t.firewall!.masquerades.map((m) => ({ ...m, changeId: null })), forwardAccepts: t.firewall!.forwardAccepts.map((a) => ({ ...a, changeId: null })) });
    expect(rules(applyOperations(after, inverse))).toBe(rules(before));
  });
});

describe('the API outside tools script (issue 13): field names stay as they are', () => {
  const add = (operations: unknown[]) => ZAddOperations.safeParse({ hostId: 'hv1', operations });
  const messages = (r: ReturnType<typeof add>) => (r.error?.issues ?? []).map((i) => i.message);

  it.each<[string, Record<string, unknown>]>([
    ['a port forward', { kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80 }],
    ['a port forward limited to an interface and a source', { kind: 'addPortForward', protocol: 'udp', hostPort: 5353, toAddress: '192.168.122.10', toPort: 53, inInterface: 'eth0', source: '10.0.0.0/8' }],
    ['its removal', { kind: 'removePortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80 }],
    ['a masquerade', { kind: 'addMasquerade', source: '10.9.0.0/24', outInterface: 'eth0' }],
    ['its removal', { kind: 'removeMasquerade', source: '10.9.0.0/24', outInterface: 'eth0' }],
  ])('%s is accepted', (_, op) => {
    expect(messages(add([op]))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['sctp', { ...toWeb1, protocol: 'sctp' }, 'The protocol is tcp or udp.'],
    ['port 0', { ...toWeb1, hostPort: 0 }, 'A port is 1-65535.'],
    ['port 70000', { ...toWeb1, toPort: 70000 }, 'A port is 1-65535.'],
    ['a name for an address', { ...toWeb1, toAddress: 'web1' }, 'That is not an IP address.'],
    ['a shell word for an interface', { ...masq, outInterface: 'eth0;reboot' }, 'An interface name'],
  ])('%s is refused in words', (_, op, message) => {
    expect(messages(add([op])).join(' ')).toContain(message);
  });
});

describe('addPortForward', () => {
  it("writes the rule into Switchboard's table, whose undo is the table as it was, and lets it through libvirt's NAT network", () => {
    const [table, accept] = renderOperation(toWeb1, natHost(), { changeId: 'c123' });
    expect(line(table!.argv)).toBe('nft -f @doc1');
    expect(table!.inverse.map(line)).toEqual(['nft -f @doc2']);
    expect(table!.documents![0]!.text).toContain('\t\tiifname "eth0" tcp dport 8080 dnat ip to 192.168.122.10:80 comment "switchboard:c123"\n');
    expect(table!.documents![1]!.text).toBe(EMPTY_TABLE);
    expect(line(accept!.argv)).toBe(ACCEPT('-I', 'switchboard:c123'));
    expect(accept!.inverse.map(line)).toEqual([ACCEPT('-D', 'switchboard:c123')]);
  });

  it('needs no accept for an address outside libvirt NAT networks (a routed subnet, the host itself)', () => {
    const commands = renderOperation({ ...toWeb1, toAddress: '198.18.1.50' }, natHost());
    expect(commands.map((c) => c.argv[0])).toEqual(['nft']);
  });

  it('keeps the rules other operations of the same change wrote, each with the change, in one plan', () => {
    const planned = planChange(natHost(), [toWeb1, masq], MGMT_ADDRESS, { changeId: 'c9' });
    if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
    const docs = planned.plan.steps.flatMap((s) => s.commands).filter((c) => c.argv[0] === 'nft').map((c) => c.documents![0]!.text);
    expect(docs.at(-1)).toContain('dnat ip to 192.168.122.10:80 comment "switchboard:c9"');
    expect(docs.at(-1)).toContain('\t\tip saddr 198.18.1.0/24 oifname "eth0" masquerade comment "switchboard:c9"\n');
    // The fixture's boot configuration was never read: nothing is kept, and review says so.
    expect(planned.plan.keepNotWritten).toBe("hv-test's boot configuration has not been read");
    const persistence = persistenceOf(planned.plan.steps, 'hv-test', undefined, undefined, planned.plan.keepNotWritten);
    expect(persistence.sentence).toBe(
      "Runtime only: Switchboard cannot keep traffic control and NAT rules for boot here (hv-test's boot configuration has not been read), so this change will be undone by the next reboot.",
    );
  });

  it('keeps the table and the accept for boot on a host that runs systemd: the same table document, the accept for iptables-restore, the unit', () => {
    const t = natHost();
    t.host.bootConfig = { backend: 'ifupdown', reason: '', files: [], installed: ['ifupdown', 'systemd'] };
    const planned = planChange(t, [toWeb1, masq], MGMT_ADDRESS, { changeId: 'c9' });
    if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
    const last = planned.plan.steps.at(-1)!;
    expect(last.operation.kind).toBe('keepAtBoot');
    const kept = new Map(last.operation.kind === 'keepAtBoot' ? last.operation.files.map((f) => [f.path, f.content]) : []);
    const table = planned.plan.steps.flatMap((s) => s.commands).filter((c) => c.argv[0] === 'nft').at(-1)!.documents![0]!.text;
    expect(kept.get('/etc/switchboard/nat.nft')).toBe(table);
    expect(kept.get('/etc/switchboard/forward.rules')).toContain(
      '\n*filter\n-I FORWARD -d 192.168.122.10/32 -o virbr0 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment switchboard:c9 -j ACCEPT\nCOMMIT\n',
    );
    expect(kept.get('/etc/systemd/system/switchboard-restore.service')).toContain('ExecStart=-nft -f /etc/switchboard/nat.nft');
    expect(kept.has('/etc/switchboard/tc.batch')).toBe(false);
    expect(planned.plan.keepNotWritten).toBeUndefined();
    expect(persistenceOf(planned.plan.steps, 'hv-test', t.host.bootConfig, undefined, planned.plan.keepNotWritten).sentence).toBeNull();
    // Taking both rules away again removes every kept file, the unit with them.
    const after = planned.plan.intended;
    const undo = planChange(after, [{ ...toWeb1, kind: 'removePortForward' } as Operation, { ...masq, kind: 'removeMasquerade' } as Operation], MGMT_ADDRESS, { changeId: 'c10' });
    if (!undo.ok) throw new Error(JSON.stringify(undo.checks));
    const removal = undo.plan.steps.at(-1)!.operation;
    expect(removal.kind === 'keepAtBoot' && removal.files.map((f) => [f.path, f.content])).toEqual([
      ['/etc/switchboard/nat.nft', null],
      ['/etc/switchboard/forward.rules', null],
      ['/etc/systemd/system/switchboard-restore.service', null],
      ['/etc/systemd/system/multi-user.target.d/switchboard-restore.conf', null],
    ]);
  });

  it.each<[string, Topology, Partial<Operation>, string]>([
    ['no firewall read', { ...natHost(), firewall: undefined }, {}, 'The firewall of hv-test could not be read'],
    ['no nftables', natHost({ tools: { nft: false, iptables: 'legacy' } }), {}, 'nftables is not installed on hv-test'],
    ['hand edits in its table', natHost({ unknownOwnRules: ['chain prerouting: counter'] }), {}, 'holds rules it did not write (chain prerouting: counter)'],
    ['an IPv6 target', natHost(), { toAddress: '2001:db8::10' }, 'not supported yet'],
    ['a loopback target', natHost(), { toAddress: '127.0.0.1' }, 'loopback address'],
    ['an interface that is not there', natHost(), { inInterface: 'eth9' }, 'eth9'],
    ['a source with host bits', natHost(), { source: '10.0.0.5/8' }, 'did you mean 10.0.0.0/8?'],
    ['no iptables for the accept', natHost({ tools: { nft: true, iptables: null } }), {}, 'nor iptables could be read on hv-test'],
  ])('is refused with %s', (_, t, change, message) => {
    expect(validateOperation(t, { ...toWeb1, ...change } as Operation).join(' ')).toContain(message);
  });

  it('is refused when the port is forwarded already, naming who forwards it', () => {
    const other = { protocol: 'tcp' as const, hostPort: 8080, toAddress: '192.168.122.20', toPort: 8080, inInterface: null, source: null, owner: 'other' as const, changeId: null, tool: 'iptables' as const, table: 'nat', chain: 'PREROUTING' };
    expect(validateOperation(natHost({ portForwards: [other] }), toWeb1).join(' ')).toContain('tcp port 8080 is already forwarded to 192.168.122.20 port 8080 by a rule Switchboard did not write');
  });

  it('warns when no VM holds the address, when the host listens on the port, and when forwarding is off', () => {
    expect(warningsOf(toWeb1, natHost())).toEqual([]);
    const t = natHost();
    const words = warningsOf({ ...toWeb1, hostPort: 22, toAddress: '192.168.122.99' }, { ...t, host: { ...t.host, ipForward: false } }).join('\n');
    expect(words).toContain('No VM on hv-test is known to hold 192.168.122.99');
    expect(words).toContain('hv-test itself listens on tcp port 22: connections to that port arriving on eth0 will reach 192.168.122.99 instead.');
    expect(words).toContain('IPv4 forwarding is off on hv-test');
  });

  it('says so where the review could not read which ports the host listens on', () => {
    const t = { ...natHost(), listening: undefined, missing: [{ section: 'listening', reason: 'ss is not installed on the host' }] };
    expect(warningsOf({ ...toWeb1, hostPort: 22 }, t)).toEqual(['Whether hv-test itself listens on tcp port 22 could not be checked (ss is not installed on the host).']);
  });

  it('is undone by removePortForward with the same fields, and the after-apply check reads the rule back', () => {
    expect(invertOperation(toWeb1, natHost())).toEqual([{ kind: 'removePortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0', source: undefined }]);
    const intended = applyOperation(natHost(), toWeb1, { changeId: 'c1' });
    expect(differencesFromIntended(intended, intended, [toWeb1])).toEqual([]);
    expect(differencesFromIntended(intended, natHost(), [toWeb1])).toEqual([
      "The host shows no forward of tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0) in Switchboard's table.",
      "The accept rule that lets 192.168.122.10 port 80 through libvirt network default's rules is not in iptables' FORWARD chain.",
    ]);
  });
});

describe('removePortForward', () => {
  const added = applyOperation(natHost(), toWeb1, { changeId: 'c1' });
  const removal: Operation = { ...toWeb1, kind: 'removePortForward' };

  it('puts the table back without the rule and deletes the accept by the comment it was written with', () => {
    const [table, accept] = renderOperation(removal, added, { changeId: 'c2' });
    expect(table!.documents![0]!.text).toBe(EMPTY_TABLE);
    expect(table!.documents![1]!.text).toContain('comment "switchboard:c1"');
    expect(line(accept!.argv)).toBe(ACCEPT('-D', 'switchboard:c1'));
    expect(accept!.inverse.map(line)).toEqual([ACCEPT('-I', 'switchboard:c1')]);
    expect(applyOperation(added, removal).firewall).toEqual(natHost().firewall);
  });

  it("keeps the accept while another forward to the same address and port needs it", () => {
    const twice = applyOperation(added, { ...toWeb1, hostPort: 8081 }, { changeId: 'c3' });
    const commands = renderOperation({ ...removal, hostPort: 8081 }, twice);
    expect(commands.map((c) => line(c.argv))).toEqual(['nft -f @doc1', ACCEPT('-D', 'switchboard:c3')]);
    expect(applyOperation(twice, { ...removal, hostPort: 8081 }).firewall!.forwardAccepts).toHaveLength(1);
  });

  it("is refused for a rule Switchboard did not write, and for one that is not there", () => {
    const libvirts = { ...toWeb1, owner: 'libvirt' as const, inInterface: 'eth0', source: null, changeId: null, tool: 'iptables' as const, table: 'nat', chain: 'LIBVIRT_PRT' };
    expect(validateOperation(natHost({ portForwards: [libvirts] }), removal).join(' ')).toContain("is libvirt's (iptables nat, chain LIBVIRT_PRT); Switchboard removes only its own rules.");
    expect(validateOperation(natHost(), removal)).toEqual(['hv-test has no forward of tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0).']);
  });

  it("with the forward added again, puts an accept that libvirt's rules came before back on top (the inspector's \"Put the forward back on top\")", () => {
    const shadowed: Topology = { ...added, firewall: { ...added.firewall!, forwardAccepts: added.firewall!.forwardAccepts.map((a) => ({ ...a, shadowedBy: 'LIBVIRT_FWI' })) } };
    const ops: Operation[] = [removal, toWeb1];
    const checked = validateOperations(shadowed, ops);
    expect(checked.checks.flatMap((c) => c.errors)).toEqual([]);
    expect(checked.projected.firewall!.forwardAccepts).toEqual([expect.not.objectContaining({ shadowedBy: expect.anything() })]);
    const planned = planChange(shadowed, ops, MGMT_ADDRESS, { changeId: 'c4' });
    if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
    expect(planned.plan.steps.flatMap((st) => st.commands.map((c) => line(c.argv))).filter((l) => l.startsWith('iptables'))).toEqual([ACCEPT('-D', 'switchboard:c1'), ACCEPT('-I', 'switchboard:c4')]);
    // After the apply the forward is there (added again): the removal's check does not call that a difference.
    expect(differencesFromIntended(checked.projected, checked.projected, ops)).toEqual([]);
    expect(differencesFromIntended(checked.projected, natHost(), ops)).toEqual([expect.stringMatching(/^The host shows no forward of tcp port 8080/), expect.stringMatching(/^The accept rule/)]);
  });

  it('is undone by adding the forward back', () => {
    expect(invertOperation(removal, added)).toEqual([{ kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0' }]);
  });
});

describe("libvirt's nftables backend (libvirt 10+): the accept goes into its own chain", () => {
  const nftHost = (extra: Partial<FirewallState> = {}) => natHost({ libvirtRejects: ['nft'], ...extra });
  const INSERT = (comment: string) => `insert rule ip libvirt_network guest_input oifname "virbr0" ip daddr 192.168.122.10 tcp dport 80 ct status dnat accept comment "${comment}"\n`;

  it('inserts it on top of ip libvirt_network guest_input from a document, undone by deleting the rule that document reads', () => {
    const [table, accept, ...rest] = renderOperation(toWeb1, nftHost(), { changeId: 'c123' });
    expect(line(table!.argv)).toBe('nft -f @doc1');
    expect(rest).toEqual([]);
    expect(line(accept!.argv)).toBe('nft -f @doc1');
    expect(accept!.documents!.map((d) => [d.shape, d.text])).toEqual([['nft-accepts', INSERT('switchboard:c123')]]);
    expect(accept!.inverse.map(line)).toEqual(['sb-delete-nft-rule @doc1']);
    // Removing the forward deletes it the same way, undone by inserting it again.
    const added = applyOperation(nftHost(), toWeb1, { changeId: 'c1' });
    expect(added.firewall!.forwardAccepts).toEqual([{ tool: 'nft', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'c1' }]);
    const [, removal] = renderOperation({ ...toWeb1, kind: 'removePortForward' }, added, { changeId: 'c2' });
    expect(line(removal!.argv)).toBe('sb-delete-nft-rule @doc1');
    expect(removal!.inverse.map(line)).toEqual(['nft -f @doc1']);
    expect(removal!.documents![0]!.text).toBe(INSERT('switchboard:c1'));
  });

  it('needs no iptables, and puts an accept in both places on a host whose libvirt rejects in both (a backend changed without a reboot)', () => {
    expect(validateOperation(nftHost({ tools: { nft: true, iptables: null } }), toWeb1)).toEqual([]);
    const both = renderOperation(toWeb1, natHost({ libvirtRejects: ['iptables', 'nft'] }), { changeId: 'c5' });
    expect(both.map((c) => line(c.argv))).toEqual(['nft -f @doc1', ACCEPT('-I', 'switchboard:c5'), 'nft -f @doc1']);
    // With iptables unreadable, only the nft accept can be written: the iptables one is left out rather than failing.
    const nftOnly = renderOperation(toWeb1, natHost({ libvirtRejects: ['iptables', 'nft'], tools: { nft: true, iptables: null } }), { changeId: 'c5' });
    expect(nftOnly.map((c) => line(c.argv))).toEqual(['nft -f @doc1', 'nft -f @doc1']);
  });

  it('keeps the accept for boot in its own file, loaded by the unit after virtnetworkd', () => {
    const t = nftHost();
    t.host.bootConfig = { backend: 'ifupdown', reason: '', files: [], installed: ['ifupdown', 'systemd'] };
    const planned = planChange(t, [toWeb1], MGMT_ADDRESS, { changeId: 'c9' });
    if (!planned.ok) throw new Error(JSON.stringify(planned.checks));
    const last = planned.plan.steps.at(-1)!.operation;
    const kept = new Map(last.kind === 'keepAtBoot' ? last.files.map((f) => [f.path, f.content]) : []);
    expect(kept.get('/etc/switchboard/libvirt-accepts.nft')).toMatch(new RegExp(`^# Kept by Switchboard[^\n]*\n${INSERT('switchboard:c9').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(kept.has('/etc/switchboard/forward.rules')).toBe(false);
    const unit = kept.get('/etc/systemd/system/switchboard-restore.service')!;
    expect(unit).toContain('ExecStart=-nft -f /etc/switchboard/libvirt-accepts.nft');
    expect(unit).toMatch(/^After=.* virtnetworkd\.service /m);
    expect(() => checkDocument({ shape: 'nft-accepts', text: kept.get('/etc/switchboard/libvirt-accepts.nft')! })).not.toThrow();
  });

  it("says where the accept is missing after the apply", () => {
    const intended = applyOperation(nftHost(), toWeb1, { changeId: 'c1' });
    const withoutAccept = { ...intended, firewall: { ...intended.firewall!, forwardAccepts: [] } };
    expect(differencesFromIntended(intended, withoutAccept, [toWeb1])).toEqual([
      "The accept rule that lets 192.168.122.10 port 80 through libvirt network default's rules is not in libvirt's nftables chain (ip libvirt_network guest_input).",
    ]);
  });

  it('refuses a document that is not an accept into that chain', () => {
    for (const text of [
      'flush ruleset\n',
      'insert rule ip libvirt_network guest_input accept\n',
      'insert rule ip filter FORWARD oifname "virbr0" ip daddr 192.168.122.10 tcp dport 80 ct status dnat accept comment "switchboard:c1"\n',
      `${INSERT('switchboard:c1')}delete table ip libvirt_network\n`,
    ])
      expect(() => checkDocument({ shape: 'nft-accepts', text })).toThrow(/a line Switchboard does not write/);
  });
});

describe('addMasquerade and removeMasquerade', () => {
  it("masquerade a subnet out of an interface in Switchboard's table, and take it away again", () => {
    const [add] = renderOperation(masq, natHost(), { changeId: 'c5' });
    expect(add!.documents![0]!.text).toBe(
      `${EMPTY_TABLE}table inet switchboard {\n\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tip saddr 198.18.1.0/24 oifname "eth0" masquerade comment "switchboard:c5"\n\t}\n}\n`,
    );
    const after = applyOperation(natHost(), masq, { changeId: 'c5' });
    const [remove] = renderOperation({ ...masq, kind: 'removeMasquerade' }, after);
    expect(remove!.documents![0]!.text).toBe(EMPTY_TABLE);
    expect(remove!.documents![1]!.text).toBe(add!.documents![0]!.text);
    expect(invertOperation(masq, natHost())).toEqual([{ kind: 'removeMasquerade', source: '198.18.1.0/24', outInterface: 'eth0' }]);
  });

  it('refuses a masquerade already there and leaves libvirt\'s own to libvirt', () => {
    const after = applyOperation(natHost(), masq);
    expect(validateOperation(after, masq)).toEqual(['198.18.1.0/24 masqueraded out of eth0 already (by Switchboard).']);
    const libvirts = { ...LIBVIRT_MASQUERADE, outInterface: 'eth0' };
    expect(validateOperation(natHost({ masquerades: [libvirts] }), { kind: 'removeMasquerade', source: '192.168.122.0/24', outInterface: 'eth0' }).join(' ')).toContain('by libvirt (change the libvirt network instead)');
    expect(validateOperation(natHost(), { ...masq, source: '198.18.1.1/24' }).join(' ')).toContain('did you mean 198.18.1.0/24?');
  });
});

describe("Switchboard's table document", () => {
  it('is only the table deleted when Switchboard keeps no rule (or no firewall was read)', () => {
    expect(switchboardTableDocument(undefined)).toBe(EMPTY_TABLE);
    expect(switchboardTableDocument(firewall())).toBe(EMPTY_TABLE);
  });
});
