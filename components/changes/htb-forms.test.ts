import { describe, expect, it } from 'vitest';
import { bytesInWords, sentInWords } from '@/components/topology/traffic-control';
import { hostTopology } from '@/server/plan/fixtures';
import { ZOperation, type Operation } from '@/server/plan/ops';
import { validateOperation } from '@/server/plan/validate';
import { htbHost } from '@/server/testing/tc-examples';
import type { TcClass, Topology } from '@/server/topology/model';
import {
  classFieldsOf,
  classIdIn,
  htbClassesOf,
  htbClassOperation,
  nextFreeClassId,
  removeTcFilterOperation,
  rootFiltersByPref,
  tcFilterOperation,
  type HtbClassFields,
  type TcFilterFields,
} from './htb-forms';

const accepted = (op: Operation | string) => {
  expect(typeof op).not.toBe('string');
  const parsed = ZOperation.safeParse(op);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return parsed.data!;
};

const classFields = (f: Partial<HtbClassFields>): HtbClassFields => ({ classid: '1:50', parent: '1:1', rateMbit: '', ceilMbit: '', burstKib: '', prio: '', leaf: '', ...f });
const filterFields = (f: Partial<TcFilterFields>): TcFilterFields => ({ protocol: 'ip', src: '', dst: '', ipProto: '', srcPort: '', dstPort: '', fwMark: '', classid: '1:40', ...f });

/** The plan fixture host with an HTB root on eth2 and the given classes under it. */
function smallHost(minors: string[], rootHandle = '1:'): Topology {
  const t = hostTopology();
  const major = rootHandle.slice(0, -1);
  const cls = (minor: string): TcClass => ({ dev: 'eth2', kind: 'htb', classid: `${major}:${minor}`, parent: null, rate: '1Mbit', ceil: '1Mbit', burst: '1600b', cburst: '1600b', prio: 0, leaf: null });
  return {
    ...t,
    qdiscs: [...t.qdiscs.filter((q) => q.dev !== 'eth2'), { dev: 'eth2', kind: 'htb', handle: rootHandle, parent: null, root: true, options: {} }],
    classes: minors.map(cls),
  };
}

describe('htbClassOperation: Mbit/s and KiB in the form, setHtbClass in the draft', () => {
  it('turns every field into the API’s, which the schema and the fixture host take', () => {
    const op = htbClassOperation('eth2', classFields({ rateMbit: '2,5', ceilMbit: '10', burstKib: '16', prio: '3', leaf: 'fq_codel' }));
    expect(op).toEqual({ kind: 'setHtbClass', dev: 'eth2', classid: '1:50', parent: '1:1', rateKbit: 2500, ceilKbit: 10_000, burstBytes: 16_384, prio: 3, leaf: { kind: 'fq_codel' } });
    expect(validateOperation(htbHost(), accepted(op))).toEqual([]);
  });

  it('leaves out what is empty, writes the class id as tc prints it, and offers sfq', () => {
    const op = htbClassOperation('eth2', classFields({ classid: ' 1:0A0 ', parent: '1:', rateMbit: '1', leaf: 'sfq' }));
    expect(op).toEqual({ kind: 'setHtbClass', dev: 'eth2', classid: '1:a0', parent: '1:', rateKbit: 1000, leaf: { kind: 'sfq' } });
    expect(validateOperation(htbHost(), accepted(op))).toEqual([]);
  });

  it('a class as read comes back in the form’s units, and a changed rate is a valid change of it', () => {
    const t = htbHost();
    const fields = classFieldsOf(t, 'eth2', '1:10');
    expect(fields).toEqual({ classid: '1:10', parent: '1:1', rateMbit: '10', ceilMbit: '20', burstKib: '16', prio: '1', leaf: '' });
    expect(classFieldsOf(t, 'eth2', '1:1')).toMatchObject({ parent: '1:', rateMbit: '20', prio: '' });
    expect(classFieldsOf(t, 'eth2', '1:99')).toBeNull();
    const op = htbClassOperation('eth2', { ...fields!, rateMbit: '12' });
    expect(op).toEqual({ kind: 'setHtbClass', dev: 'eth2', classid: '1:10', parent: '1:1', rateKbit: 12_000, ceilKbit: 20_000, burstBytes: 16_384, prio: 1 });
    expect(validateOperation(t, accepted(op))).toEqual([]);
    // Unchanged, the server says so: the form sent back exactly what was read.
    expect(validateOperation(t, accepted(htbClassOperation('eth2', fields!)))).toEqual(['HTB class 1:10 on eth2 is already set this way.']);
  });

  it.each<[string, Partial<HtbClassFields>, string]>([
    ['no class id', { classid: ' ', rateMbit: '1' }, 'A class needs a class id, such as 1:10.'],
    ['a class id that is not one', { classid: '10', rateMbit: '1' }, 'The class id must be MAJOR:MINOR in hex, such as 1:10.'],
    ['minor 0 (the qdisc itself)', { classid: '1:0', rateMbit: '1' }, 'The class id must be MAJOR:MINOR in hex, such as 1:10.'],
    ['no rate', {}, 'A class needs a rate in Mbit/s.'],
    ['a rate in words', { rateMbit: 'fast' }, 'The rate must be a number.'],
    ['a rate of 0', { rateMbit: '0' }, 'The rate must be more than 0 Mbit/s.'],
    ['a ceil in words', { rateMbit: '10', ceilMbit: 'more' }, 'The ceil must be a number.'],
    ['a ceil below the rate', { rateMbit: '10', ceilMbit: '5' }, 'The ceil must not be below the rate.'],
    ['a burst in words', { rateMbit: '10', burstKib: 'big' }, 'The burst must be a number.'],
    ['a burst of 0', { rateMbit: '10', burstKib: '0' }, 'The burst must be more than 0 KiB.'],
    ['priority 8', { rateMbit: '10', prio: '8' }, 'The priority must be a whole number from 0 to 7.'],
    ['a fractional priority', { rateMbit: '10', prio: '1.5' }, 'The priority must be a whole number from 0 to 7.'],
    ['a leaf not offered', { rateMbit: '10', leaf: 'tbf' }, 'The leaf qdisc must be fq_codel, sfq or none.'],
  ])('says which field is wrong: %s', (_, f, sentence) => {
    expect(htbClassOperation('eth2', classFields(f))).toBe(sentence);
  });

  it('reads class ids the way tc prints them', () => {
    expect(classIdIn('1:10')).toBe('1:10');
    expect(classIdIn('01:00A')).toBe('1:a');
    expect(classIdIn('1:')).toBeNull();
    expect(classIdIn('0:10')).toBeNull();
    expect(classIdIn('1:10000')).toBeNull();
  });
});

describe('tcFilterOperation and removeTcFilterOperation', () => {
  it('turns the fields into addTcFilter on the root, which the schema and the fixture host take', () => {
    const op = tcFilterOperation('eth2', '1:', filterFields({ src: '192.168.7.0/24', dst: '10.9.0.5', ipProto: 'tcp', srcPort: '1024', dstPort: '443' }));
    expect(op).toEqual({ kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'ip', match: { src: '192.168.7.0/24', dst: '10.9.0.5', ipProto: 'tcp', srcPort: 1024, dstPort: 443 }, classid: '1:40' });
    expect(validateOperation(htbHost(), accepted(op))).toEqual([]);
  });

  it('leaves out what is empty: an IPv6 subnet alone, or every packet of a protocol', () => {
    const v6 = tcFilterOperation('eth2', '1:', filterFields({ protocol: 'ipv6', dst: '2001:db8:9::/48' }));
    expect(v6).toEqual({ kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'ipv6', match: { dst: '2001:db8:9::/48' }, classid: '1:40' });
    expect(validateOperation(htbHost(), accepted(v6))).toEqual([]);
    expect(accepted(tcFilterOperation('eth2', '1:', filterFields({ protocol: 'all' })))).toMatchObject({ protocol: 'all', match: {} });
  });

  it('a firewall mark, decimal or hex, is an fw filter by the mark alone', () => {
    const op = tcFilterOperation('eth2', '1:', filterFields({ protocol: 'all', fwMark: '0x1a' }));
    expect(op).toEqual({ kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'all', match: { fwMark: 26 }, classid: '1:40' });
    expect(validateOperation(htbHost(), accepted(op))).toEqual([]);
    expect(tcFilterOperation('eth2', '1:', filterFields({ fwMark: '26' }))).toMatchObject({ match: { fwMark: 26 } });
  });

  it.each<[string, Partial<TcFilterFields>, string]>([
    ['a mark in words', { fwMark: 'web' }, 'The firewall mark must be a whole number from 1 to 4294967295 (or 0x1 to 0xffffffff).'],
    ['mark 0', { fwMark: '0' }, 'The firewall mark must be a whole number from 1 to 4294967295 (or 0x1 to 0xffffffff).'],
    ['a mark with a leading zero (octal to iptables and nft)', { fwMark: '010' }, 'The firewall mark must be a whole number from 1 to 4294967295 (or 0x1 to 0xffffffff).'],
    ['a mark with a port', { fwMark: '7', ipProto: 'tcp', dstPort: '80' }, 'A firewall mark is matched alone: clear the addresses, IP protocol and ports (the rule that sets the mark chooses the traffic), or clear the mark.'],
    ['a protocol not offered', { protocol: 'arp' }, 'The protocol must be IPv4, IPv6 or all protocols.'],
    ['an IP protocol not offered', { ipProto: 'gre' }, 'The IP protocol must be tcp, udp, icmp or any.'],
    ['a source port in words', { ipProto: 'udp', srcPort: 'dns' }, 'The source port must be a whole number from 1 to 65535.'],
    ['source port 0', { ipProto: 'udp', srcPort: '0' }, 'The source port must be a whole number from 1 to 65535.'],
    ['a destination port over 65535', { ipProto: 'tcp', dstPort: '70000' }, 'The destination port must be a whole number from 1 to 65535.'],
    ['no class', { classid: '' }, 'Pick the class to steer the traffic into.'],
  ])('says which field is wrong: %s', (_, f, sentence) => {
    expect(tcFilterOperation('eth2', '1:', filterFields(f))).toBe(sentence);
  });

  it('offers one Remove per pref of the root’s u32 filters, each a removeTcFilter the schema takes', () => {
    const groups = rootFiltersByPref(htbHost(), 'eth2');
    expect(groups.map((g) => g.pref)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const op = removeTcFilterOperation('eth2', groups[1]!.parent, groups[1]!.pref);
    expect(accepted(op)).toEqual({ kind: 'removeTcFilter', dev: 'eth2', parent: '1:', pref: 2 });
    expect(validateOperation(htbHost(), op)).toEqual([]);
    expect(rootFiltersByPref(hostTopology(), 'eth2')).toEqual([]);
  });
});

describe('the HTB classes the forms offer', () => {
  it('the next free class id: the next ten above the highest minor under the root’s major', () => {
    expect(nextFreeClassId(smallHost(['1', '10', '20']), 'eth2')).toBe('1:30');
    expect(nextFreeClassId(smallHost([]), 'eth2')).toBe('1:10');
    expect(nextFreeClassId(smallHost(['1', '9f']), 'eth2')).toBe('1:a0');
    expect(nextFreeClassId(smallHost(['1', '10'], '2:'), 'eth2')).toBe('2:20');
    // Past ffff: the lowest free minor.
    expect(nextFreeClassId(smallHost(['1', '2', 'fff5']), 'eth2')).toBe('1:3');
    expect(nextFreeClassId(htbHost(), 'eth2')).toBe('1:50');
    // Without an HTB root there is nothing to number.
    expect(nextFreeClassId(hostTopology(), 'eth2')).toBeNull();
  });

  it('lists the HTB classes under the root by minor, not the classes of a qdisc under one', () => {
    expect(htbClassesOf(htbHost(), 'eth2').map((c) => c.classid)).toEqual(['1:1', '1:10', '1:20', '1:40']);
    expect(htbClassesOf(hostTopology(), 'eth2')).toEqual([]);
  });
});

describe('class counters in people’s units', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1 kB'],
    [1210, '1.2 kB'],
    [12_345_678, '12.3 MB'],
    [999_960, '1 MB'],
    [4_200_000_000, '4.2 GB'],
    [7e15, '7 PB'],
  ])('%d bytes is %s', (bytes, words) => {
    expect(bytesInWords(bytes)).toBe(words);
  });

  it('says bytes and packets, and nothing when the read has no counters', () => {
    expect(sentInWords({ sentBytes: 12_300_000, sentPackets: 8123 })).toBe('sent 12.3 MB in 8,123 packets');
    expect(sentInWords({ sentBytes: 90, sentPackets: 1 })).toBe('sent 90 B in 1 packet');
    expect(sentInWords({ sentBytes: 0, sentPackets: 0 })).toBe('sent 0 B in 0 packets');
    expect(sentInWords({ sentBytes: 1500 })).toBe('sent 1.5 kB');
    expect(sentInWords({})).toBeNull();
  });
});
