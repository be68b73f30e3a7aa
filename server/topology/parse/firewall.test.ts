// The probe's firewall section against real output. Fixtures (each the section body as probe.ts
// prints it):
// - firewall-libvirt.txt: lab host hv1 (libvirt 9.0, nft 1.0.6, iptables 1.8.9 nf_tables) with a
//   NAT network (198.19.122.0/24 on virbr0), an isolated one (virbr1) and a routed one (virbr2).
// - firewall-mixed.txt: a private network namespace on the dev machine (same tool versions) with
//   libvirt 9.0's rules for a NAT network 192.168.122.0/24 on virbr0 loaded through iptables-nft
//   (and its empty ip6tables chains), Switchboard's table with its rule forms and hand edits, a
//   table `ip other` with NAT of its own, and FORWARD accepts and DNATs added with iptables.
// - firewall-legacy.txt: the same libvirt rules through iptables-legacy in another namespace
//   (without mangle, which that kernel lacks), plus a Switchboard DNAT and its FORWARD accept.
// - firewall-libvirt10.txt: lab host hv1 (nft 1.0.6) with the table libvirt 10's nftables
//   backend builds for its NAT network (server/testing/libvirt-nft.ts, after network_nftables.c),
//   two of Switchboard's accepts inserted by nftAcceptInserts, and libvirt's reject inserted again
//   between them (as when it restarts the network): nft's block only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFirewall } from './firewall';
import { parseProbeOutput } from './index';
import { ProbeParseError } from './errors';
import type { FirewallState, RuleSource } from '../model';
import { forwardAcceptBlockedInWords } from '../words';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trim();
const libvirt = fixture('firewall-libvirt.txt');
const mixed = fixture('firewall-mixed.txt');
const legacy = fixture('firewall-legacy.txt');
const libvirt10 = fixture('firewall-libvirt10.txt');

/** The section with one tool's block taken out (as on a host without that tool). */
const without = (body: string, tool: 'nft' | 'iptables') => {
  const at = body.indexOf('\n@@iptables');
  return tool === 'nft' ? body.slice(at + 1) : body.slice(0, at);
};
/** An nft block of these ruleset entries (metainfo first, as nft prints it). */
const nftBlock = (...entries: object[]) =>
  `@@nft@@\n${JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } }, ...entries] })}`;
const parse = (body: string): FirewallState => {
  const fw = parseFirewall(body);
  if (!fw) throw new Error('expected a firewall state');
  return fw;
};
const errorOf = (fn: () => unknown): ProbeParseError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProbeParseError) return err;
    throw err;
  }
  throw new Error('expected a ProbeParseError');
};

describe('libvirt 9.0 on lab host hv1 (iptables through nf_tables)', () => {
  const fw = parse(libvirt);

  it('reads both tools, iptables with its nf_tables backend', () => {
    expect(fw.tools).toEqual({ nft: true, iptables: 'nft' });
  });

  it("collapses the NAT network's three MASQUERADE rules into one, owned by libvirt, leaving its subnet alone", () => {
    expect(fw.masquerades).toEqual([
      { owner: 'libvirt', changeId: null, tool: 'iptables', table: 'nat', chain: 'LIBVIRT_PRT', source: '198.19.122.0/24', outInterface: null, exceptDestination: '198.19.122.0/24' },
    ]);
    // The isolated and routed networks masquerade nothing; libvirt's own rules are no forwards.
    expect(fw.portForwards).toEqual([]);
    expect(fw.forwardAccepts).toEqual([]);
    expect(fw.unknownOwnRules).toEqual([]);
  });

  it("lists iptables' tables once, from iptables-save (ip6tables' from nft's view), never as nft tables too", () => {
    expect(fw.tables).toEqual([
      { tool: 'iptables', family: 'ip', name: 'filter', rules: 42 },
      { tool: 'iptables', family: 'ip', name: 'mangle', rules: 3 },
      { tool: 'iptables', family: 'ip', name: 'nat', rules: 6 },
      { tool: 'iptables', family: 'ip6', name: 'filter', rules: 5 },
      { tool: 'iptables', family: 'ip6', name: 'mangle', rules: 1 },
      { tool: 'iptables', family: 'ip6', name: 'nat', rules: 1 },
    ]);
  });
});

describe("Switchboard's own table (inet switchboard)", () => {
  const fw = parse(mixed);
  const own = <T extends RuleSource>(list: T[]) => list.filter((r) => r.owner === 'switchboard' && r.tool === 'nft');

  it('reads its port forwards: with interface, source and port; without them (the host port kept); IPv6; a bare comment', () => {
    expect(own(fw.portForwards)).toEqual([
      { owner: 'switchboard', changeId: null, tool: 'nft', table: 'inet switchboard', chain: 'prerouting', protocol: 'tcp', hostPort: 2222, toAddress: '192.168.122.12', toPort: 22, inInterface: null, source: null },
      { owner: 'switchboard', changeId: 'chg-1', tool: 'nft', table: 'inet switchboard', chain: 'prerouting', protocol: 'tcp', hostPort: 8080, toAddress: '192.168.122.10', toPort: 80, inInterface: 'eth0', source: '10.0.0.0/8' },
      { owner: 'switchboard', changeId: 'chg-3', tool: 'nft', table: 'inet switchboard', chain: 'prerouting', protocol: 'tcp', hostPort: 8443, toAddress: 'fd00::10', toPort: 443, inInterface: null, source: '2001:db8::/32' },
      { owner: 'switchboard', changeId: 'chg-2', tool: 'nft', table: 'inet switchboard', chain: 'prerouting', protocol: 'udp', hostPort: 5353, toAddress: '192.168.122.11', toPort: 5353, inInterface: null, source: null },
    ]);
  });

  it('reads its masquerades, a single source address as CIDR', () => {
    expect(own(fw.masquerades).map((m) => [m.changeId, m.source, m.outInterface, m.exceptDestination, m.chain])).toEqual([
      ['chg-5', '10.9.0.0/24', 'eth0', null, 'postrouting'],
      ['chg-6', '10.9.1.5/32', null, null, 'postrouting'],
      [null, '10.9.2.0/24', null, null, 'postrouting'],
    ]);
  });

  it('reports every rule and chain there that it does not write, and reads none of them as NAT', () => {
    expect(fw.unknownOwnRules).toEqual([
      'chain input: not one Switchboard creates',
      'prerouting: tcp dport 9999 counter dnat ip to 192.168.122.13:99 comment "switchboard:chg-4"',
      'prerouting: tcp dport 7777 dnat ip to 192.168.122.14:77 (no Switchboard comment)',
      'postrouting: ip daddr 1.2.3.4 drop (no Switchboard comment)',
      'input: tcp dport 22 accept comment "switchboard:hand"',
    ]);
    expect(fw.portForwards.map((p) => p.hostPort)).not.toContain(9999);
    expect(fw.portForwards.map((p) => p.hostPort)).not.toContain(7777);
  });

  it('refuses its rule forms in the wrong chain, of the wrong family, or with options it never writes', () => {
    const table = { table: { family: 'inet', name: 'switchboard', handle: 1 } };
    const chain = (name: string, hook: string) => ({ chain: { family: 'inet', table: 'switchboard', name, handle: 2, type: 'nat', hook, prio: 0, policy: 'accept' } });
    const rule = (chainName: string, expr: object[], comment = 'switchboard:x') => ({ rule: { family: 'inet', table: 'switchboard', chain: chainName, handle: 3, comment, expr } });
    const dport = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 80 } };
    const saddr4 = { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { prefix: { addr: '10.0.0.0', len: 8 } } } };
    const fw2 = parse(
      nftBlock(
        table,
        chain('prerouting', 'prerouting'),
        chain('postrouting', 'postrouting'),
        rule('postrouting', [dport, { dnat: { family: 'ip', addr: '10.0.0.1' } }]),
        rule('prerouting', [saddr4, dport, { dnat: { family: 'ip6', addr: 'fd00::1' } }]),
        rule('postrouting', [saddr4, { masquerade: { flags: ['random'] } }]),
        rule('postrouting', [{ masquerade: null }]),
        rule('prerouting', [dport, { dnat: { family: 'ip', addr: '10.0.0.1', port: 8080 } }]),
      ),
    );
    expect(fw2.unknownOwnRules).toEqual([
      'postrouting: tcp dport 80 dnat ip to 10.0.0.1 comment "switchboard:x"',
      'prerouting: ip saddr 10.0.0.0/8 tcp dport 80 dnat ip6 to fd00::1 comment "switchboard:x"',
      'postrouting: ip saddr 10.0.0.0/8 masquerade comment "switchboard:x"',
      'postrouting: masquerade comment "switchboard:x"',
    ]);
    expect(fw2.masquerades).toEqual([]);
    expect(fw2.portForwards).toEqual([expect.objectContaining({ hostPort: 80, toAddress: '10.0.0.1', toPort: 8080, changeId: 'x' })]);
    expect(fw2.tables).toEqual([{ tool: 'nft', family: 'inet', name: 'switchboard', rules: 5 }]);
  });

  it('says when one of its chains has another type or hook', () => {
    const fw2 = parse(nftBlock({ table: { family: 'inet', name: 'switchboard' } }, { chain: { family: 'inet', table: 'switchboard', name: 'prerouting', type: 'filter', hook: 'forward' } }));
    expect(fw2.unknownOwnRules).toEqual(['chain prerouting: type filter hook forward, not type nat hook prerouting']);
  });
});

describe("Switchboard's FORWARD accepts (iptables filter)", () => {
  it('reads them with the address without /32, whatever the quoting of the comment', () => {
    expect(parse(mixed).forwardAccepts).toEqual([
      { tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'chg-1' },
      { tool: 'iptables', protocol: 'udp', toAddress: '192.168.122.11', toPort: 5353, outInterface: 'virbr0', changeId: 'chg 2' },
    ]);
  });

  it("says when a rule before one refuses what it lets through: libvirt's jumps put back on top by a firewall reload, or a REJECT out of its bridge", () => {
    const accept = (address: string, out: string) => `-A FORWARD -d ${address}/32 -o ${out} -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment switchboard:c1 -j ACCEPT`;
    const body = [
      '@@iptables iptables v1.8.9 (nf_tables)@@',
      '*filter',
      ':FORWARD ACCEPT [0:0]',
      accept('10.7.0.1', 'virbr0'),
      '-A FORWARD -o virbr9 -j REJECT --reject-with icmp-port-unreachable',
      // a REJECT out of another bridge refuses nothing of an accept into virbr0
      accept('10.7.0.2', 'virbr0'),
      accept('10.7.0.3', 'virbr9'),
      '-A FORWARD -j LIBVIRT_FWX',
      '-A FORWARD -j LIBVIRT_FWI',
      '-A FORWARD -j LIBVIRT_FWO',
      accept('10.7.0.4', 'virbr0'),
      'COMMIT',
    ].join('\n');
    expect(parse(body).forwardAccepts.map((a) => [a.toAddress, a.shadowedBy ?? null])).toEqual([
      ['10.7.0.1', null],
      ['10.7.0.2', null],
      ['10.7.0.3', 'REJECT -o virbr9'],
      ['10.7.0.4', 'LIBVIRT_FWI'],
    ]);
    const [, , outOfBridge] = parse(body).forwardAccepts;
    expect(forwardAcceptBlockedInWords(outOfBridge!)).toBe(
      "Blocked: a REJECT rule out of virbr9 comes before Switchboard's accept in FORWARD and refuses new connections to 10.7.0.3 port 80. Putting the forward back puts its accept on top again.",
    );
    expect(forwardAcceptBlockedInWords({ ...outOfBridge!, shadowedBy: 'DROP' })).toMatch(/^Blocked: a DROP rule for all forwarded traffic comes before/);
  });

  it('reads options in any order, quoted or not, and takes nothing from inside a quoted comment', () => {
    const body = [
      '@@iptables iptables v1.8.9 (nf_tables)@@',
      '*filter',
      ':FORWARD ACCEPT [0:0]',
      '-A FORWARD -m comment --comment switchboard:abc -p udp -j ACCEPT -o virbr9 -m conntrack --ctstate DNAT -d 10.7.0.2/32 -m udp --dport 69',
      // the words of a Switchboard accept, inside someone else's comment
      '-A FORWARD -d 10.7.0.3/32 -o virbr9 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment "say \\"hi\\" -m comment --comment switchboard:fake" -j ACCEPT',
      // not a DNAT'd connection, a subnet, a missing port: not accepts Switchboard writes
      '-A FORWARD -d 10.7.0.4/32 -o virbr9 -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -m comment --comment switchboard:n -j ACCEPT',
      '-A FORWARD -d 10.7.0.0/24 -o virbr9 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment switchboard:s -j ACCEPT',
      '-A FORWARD -d 10.7.0.5/32 -o virbr9 -p tcp -m conntrack --ctstate DNAT -m comment --comment switchboard:p -j ACCEPT',
      'COMMIT',
    ].join('\n');
    const fw = parse(body);
    expect(fw.forwardAccepts).toEqual([{ tool: 'iptables', protocol: 'udp', toAddress: '10.7.0.2', toPort: 69, outInterface: 'virbr9', changeId: 'abc' }]);
    expect(fw.tables).toEqual([{ tool: 'iptables', family: 'ip', name: 'filter', rules: 5 }]);
  });
});

describe("libvirt 10's nftables backend (its own table ip libvirt_network)", () => {
  const fw = parseFirewall(libvirt10)!;

  it("reads Switchboard's accepts in libvirt's guest_input chain, the one below libvirt's reject as blocked", () => {
    expect(fw.libvirtRejects).toEqual(['nft']);
    expect(fw.forwardAccepts).toEqual([
      { tool: 'nft', protocol: 'tcp', toAddress: '198.19.122.77', toPort: 80, outInterface: 'virbr0', changeId: 'cmx1', shadowedBy: 'reject -o virbr0' },
      { tool: 'nft', protocol: 'udp', toAddress: '198.19.122.78', toPort: 53, outInterface: 'virbr0', changeId: 'cmx2' },
    ]);
    expect(forwardAcceptBlockedInWords(fw.forwardAccepts[0]!)).toBe(
      "Blocked: libvirt's reject for virbr0 comes before Switchboard's accept in its chain ip libvirt_network guest_input and refuses new connections to 198.19.122.77 port 80, as after libvirt restarts the network. Putting the forward back puts its accept on top again.",
    );
    expect(fw.unknownOwnRules).toEqual([]);
  });

  it("takes libvirt's masquerades in its table for libvirt's, and lists the table", () => {
    expect(fw.masquerades).toEqual([
      { owner: 'libvirt', changeId: null, tool: 'nft', table: 'ip libvirt_network', chain: 'guest_nat', source: '198.19.122.0/24', outInterface: null, exceptDestination: '198.19.122.0/24' },
    ]);
    expect(fw.tables).toEqual([{ tool: 'nft', family: 'ip', name: 'libvirt_network', rules: 16 }]);
  });

  it('reads no accept from a rule of another shape with the comment, nor from one in another chain', () => {
    const doc = JSON.parse(libvirt10.split('\n')[1]!) as { nftables: { rule?: { chain: string; comment?: string; expr: unknown[] } }[] };
    const ours = doc.nftables.filter((e) => e.rule?.comment === 'switchboard:cmx2');
    // A port range instead of one port, then the same rule moved to guest_output.
    const variants = [
      (r: { chain: string; expr: unknown[] }) => (r.expr = r.expr.map((e) => (JSON.stringify(e).includes('"dport"') ? { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: { range: [53, 54] } } } : e))),
      (r: { chain: string; expr: unknown[] }) => (r.chain = 'guest_output'),
    ];
    for (const change of variants) {
      const copy = JSON.parse(JSON.stringify(doc)) as typeof doc;
      copy.nftables.filter((e) => e.rule?.comment === 'switchboard:cmx2').forEach((e) => change(e.rule!));
      expect(ours).toHaveLength(1);
      expect(parseFirewall(`@@nft@@\n${JSON.stringify(copy)}`)!.forwardAccepts.map((a) => a.changeId)).toEqual(['cmx1']);
    }
  });

  it('finds no libvirt rejects on a host where libvirt writes through iptables and none where nothing rejects', () => {
    expect(parse(libvirt).libvirtRejects).toEqual(['iptables']);
    expect(parse(without(mixed, 'iptables')).libvirtRejects).toEqual([]);
  });
});

describe('NAT that others wrote', () => {
  const fw = parse(mixed);

  it("reads another nftables table's dnat and masquerade as owner other, and skips a port range", () => {
    expect(fw.portForwards.filter((p) => p.table === 'ip other')).toEqual([
      { owner: 'other', changeId: null, tool: 'nft', table: 'ip other', chain: 'pre', protocol: 'tcp', hostPort: 443, toAddress: '10.1.1.1', toPort: 8443, inInterface: null, source: null },
      { owner: 'other', changeId: null, tool: 'nft', table: 'ip other', chain: 'pre', protocol: 'udp', hostPort: 53, toAddress: '10.1.1.2', toPort: 53, inInterface: null, source: null },
    ]);
    expect(fw.masquerades.filter((m) => m.table === 'ip other')).toEqual([
      { owner: 'other', changeId: null, tool: 'nft', table: 'ip other', chain: 'post', source: null, outInterface: 'wan0', exceptDestination: null },
    ]);
    expect(fw.tables).toContainEqual({ tool: 'nft', family: 'ip', name: 'other', rules: 5 });
  });

  it("reads iptables DNATs: other's by default, Switchboard's by comment, a port range skipped", () => {
    expect(fw.portForwards.filter((p) => p.tool === 'iptables')).toEqual([
      { owner: 'other', changeId: null, tool: 'iptables', table: 'nat', chain: 'PREROUTING', protocol: 'tcp', hostPort: 8081, toAddress: '192.168.122.20', toPort: 81, inInterface: 'eth1', source: null },
      { owner: 'switchboard', changeId: 'chg-7', tool: 'iptables', table: 'nat', chain: 'PREROUTING', protocol: 'tcp', hostPort: 8082, toAddress: '192.168.122.22', toPort: 8082, inInterface: null, source: '172.16.0.0/12' },
    ]);
  });

  it('does not read iptables-nft tables from nft as well (no xt rule, no double count)', () => {
    expect(fw.tables.filter((t) => t.tool === 'nft').map((t) => `${t.family} ${t.name}`)).toEqual(['inet switchboard', 'ip other']);
    expect(fw.masquerades.filter((m) => m.owner === 'libvirt')).toHaveLength(1);
    expect(fw.tables).toContainEqual({ tool: 'iptables', family: 'ip', name: 'nat', rules: 9 });
  });

  it('reads the forms other tools use: a protocol apart from its port, counters, a destination left alone', () => {
    const m = (left: object, right: unknown, op = '==') => ({ match: { op, left, right } });
    const fw2 = parse(
      nftBlock(
        { table: { family: 'inet', name: 'firewalld' } },
        {
          rule: {
            family: 'inet',
            table: 'firewalld',
            chain: 'nat_PRE_public_allow',
            expr: [m({ meta: { key: 'nfproto' } }, 'ipv4'), m({ meta: { key: 'l4proto' } }, 'tcp'), m({ payload: { protocol: 'th', field: 'dport' } }, 2022), { counter: null }, { dnat: { family: 'ip', addr: '10.3.0.2', port: 22 } }],
          },
        },
        {
          rule: {
            family: 'inet',
            table: 'firewalld',
            chain: 'nat_POST_public_allow',
            expr: [m({ payload: { protocol: 'ip', field: 'saddr' } }, '10.3.0.2'), m({ payload: { protocol: 'ip', field: 'daddr' } }, { prefix: { addr: '10.3.0.0', len: 16 } }, '!='), { masquerade: null }],
          },
        },
        // matches the model cannot hold (a conntrack mark, a named set): skipped, only counted
        { rule: { family: 'inet', table: 'firewalld', chain: 'nat_POST_public_allow', expr: [m({ ct: { key: 'mark' } }, 1), { masquerade: null }] } },
        { rule: { family: 'inet', table: 'firewalld', chain: 'nat_POST_public_allow', expr: [m({ payload: { protocol: 'ip', field: 'saddr' } }, '@allowed'), { masquerade: null }] } },
      ),
    );
    expect(fw2.portForwards).toEqual([
      { owner: 'other', changeId: null, tool: 'nft', table: 'inet firewalld', chain: 'nat_PRE_public_allow', protocol: 'tcp', hostPort: 2022, toAddress: '10.3.0.2', toPort: 22, inInterface: null, source: null },
    ]);
    expect(fw2.masquerades).toEqual([
      { owner: 'other', changeId: null, tool: 'nft', table: 'inet firewalld', chain: 'nat_POST_public_allow', source: '10.3.0.2/32', outInterface: null, exceptDestination: '10.3.0.0/16' },
    ]);
    expect(fw2.tables).toEqual([{ tool: 'nft', family: 'inet', name: 'firewalld', rules: 4 }]);
  });
});

describe('which tools answered', () => {
  it('reads iptables alone when nft is not installed', () => {
    const fw = parse(without(libvirt, 'nft'));
    expect(fw.tools).toEqual({ nft: false, iptables: 'nft' });
    expect(fw.masquerades).toEqual([expect.objectContaining({ owner: 'libvirt', source: '198.19.122.0/24', exceptDestination: '198.19.122.0/24' })]);
    expect(fw.tables.map((t) => `${t.tool} ${t.family} ${t.name}`)).toEqual(['iptables ip filter', 'iptables ip mangle', 'iptables ip nat']);
  });

  it('reads nft alone when iptables is not installed, its iptables-nft tables then as nft tables', () => {
    const fw = parse(without(mixed, 'iptables'));
    expect(fw.tools).toEqual({ nft: true, iptables: null });
    // libvirt's MASQUERADE is an opaque xt target in nft's view: not read as NAT.
    expect(fw.masquerades.map((m) => m.owner)).not.toContain('libvirt');
    expect(fw.forwardAccepts).toEqual([]);
    expect(fw.tables).toContainEqual({ tool: 'nft', family: 'ip', name: 'nat', rules: 9 });
  });

  it('reads iptables-legacy, where tables ip nat and the like in nftables are nftables tables of their own', () => {
    const fw = parse(legacy);
    expect(fw.tools).toEqual({ nft: true, iptables: 'legacy' });
    expect(fw.masquerades).toEqual([
      { owner: 'libvirt', changeId: null, tool: 'iptables', table: 'nat', chain: 'LIBVIRT_PRT', source: '192.168.122.0/24', outInterface: null, exceptDestination: '192.168.122.0/24' },
    ]);
    expect(fw.portForwards).toEqual([
      { owner: 'switchboard', changeId: 'leg-2', tool: 'iptables', table: 'nat', chain: 'PREROUTING', protocol: 'tcp', hostPort: 2201, toAddress: '192.168.122.30', toPort: 22, inInterface: 'eth0', source: null },
    ]);
    expect(fw.forwardAccepts).toEqual([{ tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.30', toPort: 22, outInterface: 'virbr0', changeId: 'leg-2' }]);
    expect(fw.tables).toEqual([
      { tool: 'iptables', family: 'ip', name: 'filter', rules: 19 },
      { tool: 'iptables', family: 'ip', name: 'nat', rules: 7 },
    ]);

    const nat = { table: { family: 'ip', name: 'nat' } };
    const masq = { rule: { family: 'ip', table: 'nat', chain: 'POSTROUTING', expr: [{ match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'eth0' } }, { masquerade: null }] } };
    const withNat = parse(`${nftBlock(nat, masq)}\n${without(legacy, 'nft')}`);
    expect(withNat.tables).toContainEqual({ tool: 'nft', family: 'ip', name: 'nat', rules: 1 });
    expect(withNat.masquerades).toContainEqual(expect.objectContaining({ owner: 'other', tool: 'nft', table: 'ip nat', outInterface: 'eth0' }));
  });

  it("takes an iptables without a backend in its version for legacy, unless iptables-save's header names nf_tables", () => {
    const body = (version: string, generated: string) => `@@iptables ${version}@@\n# Generated by ${generated} on Wed Dec  2 13:26:47 2026\n*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT`;
    expect(parse(body('iptables v1.6.1', 'iptables-save v1.6.1')).tools.iptables).toBe('legacy');
    expect(parse(body('', 'iptables-nft-save v1.8.4')).tools.iptables).toBe('nft');
    expect(parse(body('', 'iptables-save v1.8.9 (nf_tables)')).tools.iptables).toBe('nft');
    // Today's probe gives the bare marker and lets iptables-save's header say which backend it is.
    const bare = (generated: string) => `@@iptables@@\n# Generated by ${generated} on Wed Dec  2 13:26:47 2026\n*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT`;
    expect(parse(bare('iptables-save v1.8.9 (nf_tables)')).tools.iptables).toBe('nft');
    expect(parse(bare('iptables-save v1.8.9 (legacy)')).tools.iptables).toBe('legacy');
  });

  it('is undefined when neither tool is installed', () => {
    expect(parseFirewall('')).toBeUndefined();
  });

  it('reads the tool that answered when the other failed', () => {
    const fw = parse(`@@nft-failed 1@@\nOperation not permitted (you must be root)\nnetlink: Error: cache initialization failed: Operation not permitted\n${without(legacy, 'nft')}`);
    expect(fw.tools).toEqual({ nft: false, iptables: 'legacy' });
    expect(fw.masquerades).toHaveLength(1);
  });

  it("throws the tools' own words when both failed (captured as an unprivileged user)", () => {
    const body = [
      '@@nft-failed 1@@',
      'Operation not permitted (you must be root)',
      'netlink: Error: cache initialization failed: Operation not permitted',
      '@@iptables-failed 4@@',
      'iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
    ].join('\n');
    expect(errorOf(() => parseFirewall(body)).detail).toBe('nft and iptables-save failed: Operation not permitted (you must be root)');
    expect(errorOf(() => parseFirewall(body.slice(body.indexOf('@@iptables-failed')))).detail).toBe(
      'iptables-save failed: iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)',
    );
  });
});

describe('output that cannot be understood', () => {
  it('throws on broken JSON', () => {
    const broken = mixed.replace(/\]\}\n@@iptables/, ']\n@@iptables');
    expect(errorOf(() => parseFirewall(broken)).detail).toMatch(/^nft's ruleset is not valid JSON/);
    expect(errorOf(() => parseFirewall('@@nft@@\n{"tables": []}')).detail).toBe('nft\'s ruleset has no "nftables" list');
    expect(errorOf(() => parseFirewall('@@nft@@\nError: JSON support not compiled-in')).detail).toBe('nft printed no JSON ruleset (it said: Error: JSON support not compiled-in)');
  });

  it('throws when iptables-save printed something other than tables', () => {
    expect(errorOf(() => parseFirewall('@@iptables iptables v1.8.9 (legacy)@@\nmodprobe: FATAL: Module ip_tables not found')).detail).toBe(
      'iptables-save printed something other than tables: modprobe: FATAL: Module ip_tables not found',
    );
    // An empty iptables-save (no table loaded) is no error.
    expect(parse('@@iptables iptables v1.8.9 (legacy)@@\n').tables).toEqual([]);
  });
});

describe('order', () => {
  it('does not depend on the order the tools list rules and tables in', () => {
    const [nftPart, iptPart] = [mixed.slice(0, mixed.indexOf('\n@@iptables')), mixed.slice(mixed.indexOf('\n@@iptables') + 1)];
    const doc = JSON.parse(nftPart.split('\n')[1]!) as { nftables: object[] };
    const [meta, ...entries] = doc.nftables;
    // Reversed rules within each of Switchboard's chains would change unknownOwnRules' order
    // (that order is the chains' own); reverse only the tables and what others hold.
    const own = entries.filter((e) => JSON.stringify(e).includes('"switchboard"'));
    const rest = entries.filter((e) => !own.includes(e)).reverse();
    const iptLines = iptPart.split('\n');
    const natStart = iptLines.indexOf('*nat');
    const natEnd = iptLines.indexOf('COMMIT', natStart);
    const reorderedIpt = [...iptLines.slice(0, natStart + 1), ...iptLines.slice(natStart + 1, natEnd).reverse(), ...iptLines.slice(natEnd)].join('\n');
    const reordered = `@@nft@@\n${JSON.stringify({ nftables: [meta, ...rest, ...own] })}\n${reorderedIpt}`;
    expect(parse(reordered)).toEqual(parse(mixed));
  });
});

describe('in the whole probe', () => {
  const probe = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
  const withFirewall = (body: string) => probe.replace(/\n@@sb:link_stats@@/, () => `\n@@sb:firewall@@\n${body}\n@@sb-end:firewall:0@@\n@@sb:link_stats@@`);

  it('sets firewall on the topology', () => {
    const { topology } = parseProbeOutput(withFirewall(libvirt));
    expect(topology.firewall?.masquerades).toEqual([expect.objectContaining({ owner: 'libvirt', source: '198.19.122.0/24' })]);
    expect(topology.missing).toEqual([]);
  });

  it('leaves it out when no tool is installed or the capture predates it', () => {
    expect(parseProbeOutput(withFirewall('')).topology).not.toHaveProperty('firewall');
    expect(parseProbeOutput(probe).topology).not.toHaveProperty('firewall');
  });

  it('says why when it could not be read, and keeps the rest of the host', () => {
    const { topology } = parseProbeOutput(withFirewall('@@nft-failed 1@@\nOperation not permitted (you must be root)'));
    expect(topology).not.toHaveProperty('firewall');
    expect(topology.interfaces.length).toBeGreaterThan(0);
    expect(topology.missing).toEqual([{ section: 'firewall', reason: 'its output could not be read (nft failed: Operation not permitted (you must be root))', unreadable: true }]);
  });
});
