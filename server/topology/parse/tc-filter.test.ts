// tc filters against real output: a probe run by this machine's tc 6.1 in a scratch namespace
// (fixtures/scratch-qos1.probe.txt, fixtures/real/tc/, how in fixtures/real/tc/SOURCES.md), and
// older iproute2 captured by others (fixtures/real/old-iproute2/).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from './index';
import { actionInWords, decodeU32, parseFilters, policeFromText, rawU32Key, repairFilterJson, u32KeysFromText, type U32Key } from './tc-filter';
import { filterMatchInWords } from '../words';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const scratch = fixture('scratch-qos1.probe.txt');
const htbJson = fixture('real/tc/filter-show-htb-u32.json');
const htbText = fixture('real/tc/filter-show-htb-u32.txt');

describe('filters read by the probe from a scratch host (tc 6.1)', () => {
  const { topology: t } = parseProbeOutput(scratch);
  const on = (dev: string) => (t.filters ?? []).filter((f) => f.dev === dev);

  it('reads the section without complaint and keeps one entry per filter (hash tables and list headers left out)', () => {
    expect(t.missing.map((m) => m.section)).toEqual(['libvirt']); // this machine has no libvirtd
    expect(on('eth2')).toHaveLength(10);
    expect(on('eth1')).toHaveLength(1);
    expect(on('eth3')).toHaveLength(2);
    expect(on('vnet0')).toEqual([]); // tbf holds no filters: not even asked
  });

  it('decodes each u32 filter on the HTB root into words, with its class', () => {
    expect(on('eth2').map((f) => [f.pref, f.protocol, f.match, f.classid])).toEqual([
      [1, 'ip', 'IPv4 dst 10.0.0.0/24', '1:10'],
      [2, 'ip', 'TCP dst port 80', '1:20'],
      [3, 'ip', 'IPv4 src 192.168.1.5, UDP src port 53', '1:10'],
      // `match u16 0x1234 0xffff at 4` (the IP id): not decoded, said as tc says it.
      [4, 'ip', 'match 12340000/ffff0000 at 4', '1:20'],
      // `match tcp src 1024 0xfc00`: a port range, after the IP header (nexthdr+0).
      [5, 'ip', 'TCP src port 1024-2047 dst port 443', '1:10'],
      [6, 'ipv6', 'IPv6 src 2001:db8:1::/48, UDP dst port 53', '1:20'],
      // tc packs sport and dport into one key at offset 20.
      [7, 'ip', 'src port 53 dst port 80, TOS 0x10', '1:20'],
      [8, 'ip', 'ICMP type 8', '1:20'],
      // Not IP: the key stays raw (tc aligned `at -2` to -4).
      [9, '802.1Q', '802.1Q, match 00000800/0000ffff at -4', '1:10'],
      // The lab's own filter (lab/seed.ts): VXLAN to 1:10.
      [10, 'ip', 'dst port 4789', '1:10'],
    ]);
    expect(on('eth2').every((f) => f.kind === 'u32' && f.parent === '1:' && f.actions.length === 0)).toBe(true);
    expect(on('eth2')[0]!.handle).toBe('800::800');
  });

  it('reads an ingress filter\'s action', () => {
    expect(on('eth1')).toEqual([
      { dev: 'eth1', parent: 'ffff:', protocol: 'ip', pref: 1, kind: 'u32', handle: '800::800', classid: null, match: 'IPv4 src 198.51.100.0/24', actions: ['redirect to eth2'] },
    ]);
  });

  it('gives a clsact\'s u32 filters to the clsact itself: tc lists both under each side', () => {
    // tc printed the same two keys for ffff:fff2 (ingress) and ffff:fff3 (egress).
    const dumps = [...scratch.matchAll(/@@filters eth3 (ffff:fff[23])@@\n(.*)/g)];
    expect(dumps.map((d) => d[1])).toEqual(['ffff:fff2', 'ffff:fff3']);
    expect(dumps[0]![2]).toBe(dumps[1]![2]);
    expect(on('eth3').map((f) => [f.parent, f.match, f.actions])).toEqual([
      ['ffff:', 'IPv4 dst 10.6.0.0/16', ['redirect to eth2']],
      ['ffff:', 'IPv4 src 10.5.0.0/16', ['mirror to eth2']],
    ]);
  });

  it('reads the class tree with leaf qdiscs, priorities and bursts', () => {
    expect(t.classes.filter((c) => c.dev === 'eth2').map((c) => [c.classid, c.parent, c.leaf, c.prio, c.rate, c.burst])).toEqual([
      ['1:10', '1:1', '10:', 1, '10Mbit', '16Kb'],
      ['1:1', null, null, null, '20Mbit', '16Kb'],
      ['1:20', '1:1', '20:', 2, '5Mbit', '1600b'],
      ['10:1', '10:', null, null, null, null],
    ]);
  });
});

describe('tc -j filter show: its JSON as printed', () => {
  it('prints u32 keys as repeated "match" members, of which JSON.parse keeps the last; the repair keeps them all', () => {
    const naive = (JSON.parse(htbJson) as { pref: number; options?: { match?: unknown } }[]).filter((r) => r.pref === 2 && r.options?.match);
    expect(naive[0]!.options!.match).toEqual({ value: '50', mask: 'ffff', offmask: '', off: 20 });
    const repaired = (JSON.parse(repairFilterJson(htbJson)) as { pref: number; options?: { match?: unknown } }[]).filter((r) => r.pref === 2 && r.options?.match);
    expect(repaired[0]!.options!.match).toEqual([
      { value: '60000', mask: 'ff0000', offmask: '', off: 8 },
      { value: '50', mask: 'ffff', offmask: '', off: 20 },
    ]);
  });

  it('reads the same keys from tc\'s text (how u32 printed its options before iproute2 5.18)', () => {
    const fromJson = (JSON.parse(repairFilterJson(htbJson)) as { options?: { match?: { value: string; mask: string; offmask: string; off: number }[] } }[])
      .flatMap((r) => r.options?.match ?? [])
      .map((k) => rawU32Key({ value: Number.parseInt(k.value, 16), mask: Number.parseInt(k.mask, 16), off: k.off, nexthdr: k.offmask !== '' }));
    expect(u32KeysFromText(htbText).map(rawU32Key)).toEqual(fromJson);
    expect(fromJson).toHaveLength(19);
  });
});

describe('u32 keys in words', () => {
  const key = (value: number, mask: number, off: number, nexthdr = false): U32Key => ({ value, mask, off, nexthdr });
  const words = (protocol: string, ...keys: U32Key[]) => filterMatchInWords(decodeU32(keys, protocol));

  it.each([
    ['a whole source address', 'ip', [key(0xc0a80105, 0xffffffff, 12)], 'IPv4 src 192.168.1.5'],
    ['both addresses', 'ip', [key(0x0a000000, 0xff000000, 12), key(0xc6336400, 0xffffff00, 16)], 'IPv4 src 10.0.0.0/8 dst 198.51.100.0/24'],
    ['a protocol alone', 'ip', [key(0x00060000, 0x00ff0000, 8)], 'TCP'],
    ['an unnamed protocol', 'ip', [key(0x00730000, 0x00ff0000, 8)], 'IP protocol 115'],
    ['a TTL next to the protocol', 'ip', [key(0x40110000, 0xffff0000, 8)], 'UDP, TTL 64'],
    ['a masked TOS', 'ip', [key(0x00100000, 0x00fc0000, 0)], 'TOS 0x10/0xfc'],
    ['ports after the IP header', 'ip', [key(0x00060000, 0x00ff0000, 8), key(0x00000016, 0x0000ffff, 0, true)], 'TCP dst port 22'],
    ['ports for "all" protocols, read as IPv4', 'all', [key(0x16, 0xffff, 20)], 'dst port 22'],
    ['nothing (a zero mask matches all)', 'ip', [key(0, 0, 0)], 'all IPv4 traffic'],
    ['nothing, any protocol', 'all', [], 'all traffic'],
    ['a whole IPv6 address', 'ipv6', [0x20010db8, 0, 0, 1].map((v, i) => key(v, 0xffffffff, 24 + 4 * i)), 'IPv6 dst 2001:db8::1'],
  ])('%s', (_what, protocol, keys, expected) => {
    expect(words(protocol, ...keys)).toBe(expected);
  });

  it.each([
    ['an address mask that is not a prefix', 'ip', [key(0x0a000001, 0xff0000ff, 16)], 'match 0a000001/ff0000ff at 16'],
    ['a port mask that is not a prefix', 'ip', [key(0x00000050, 0x0000f0f0, 20)], 'match 00000050/0000f0f0 at 20'],
    ['bits beside a known field', 'ip', [key(0x00060001, 0x00ff0001, 8)], 'match 00060001/00ff0001 at 8'],
    ['an offset nothing is known at', 'ip', [key(0x4000, 0xffff, 4)], 'match 00004000/0000ffff at 4'],
    ['a transport word past the ports', 'ip', [key(0x12, 0xff, 12, true)], 'match 00000012/000000ff at nexthdr+12'],
    ['IPv6 address words that are not one prefix', 'ipv6', [key(0x20010db8, 0xffffffff, 8), key(1, 0xffffffff, 16)], 'IPv6, match 20010db8/ffffffff at 8, match 00000001/ffffffff at 16'],
    ['another protocol', 'arp', [key(1, 0xffff, 4)], 'ARP, match 00000001/0000ffff at 4'],
  ])('falls back to tc\'s own form for %s', (_what, protocol, keys, expected) => {
    expect(words(protocol, ...keys)).toBe(expected);
  });
});

describe('filters of older iproute2 and police rates', () => {
  const old = (name: string) => fixture(`real/old-iproute2/${name}`);

  it('reads a filter list where basic printed its options as text (iproute2 6.0), and u32 with police', () => {
    const body = old('tc-filter-show-ingress-basic-text-options-6.0.txt');
    expect(() => JSON.parse(body)).toThrow();
    const { filters, unreadable, failed } = parseFilters(`@@filters eth1 ffff:@@\n${body}`);
    expect({ unreadable, failed }).toEqual({ unreadable: [], failed: [] });
    expect(filters).toEqual([
      // `match ip dport 22 0xffff`, protocol all; police without its rate (tc's JSON leaves it out).
      { dev: 'eth1', parent: 'ffff:', protocol: 'all', pref: 20, kind: 'u32', handle: '800::800', classid: 'ffff:1', match: 'dst port 22', actions: ['police (rate not reported), excess drop'] },
      { dev: 'eth1', parent: 'ffff:', protocol: 'all', pref: 255, kind: 'basic', handle: '0x1', classid: 'ffff:3', match: 'all traffic', actions: ['police (rate not reported), excess drop'] },
    ]);
  });

  it('takes police rates and verdicts from tc\'s text, by action index', () => {
    const police = policeFromText(old('tc-filter-show-flower-police-text-2020.txt'));
    expect([...police]).toEqual([
      [2, { rate: '480Kbit', burst: '64Kb', mtu: '2Kb', action: 'reclassify' }],
      [1, { rate: '9600Kbit', burst: '64Kb', mtu: '2Kb', action: 'reclassify' }],
    ]);
    expect(actionInWords({ order: 1, kind: 'police', index: 2, control_action: { type: 'drop' } }, police)).toBe('police 480 kbit/s burst 64 KiB, excess reclassify');
    expect(actionInWords({ order: 1, kind: 'police', index: 1 }, police)).toBe('police 9.6 Mbit/s burst 64 KiB, excess reclassify');
    expect(actionInWords({ order: 1, kind: 'police', index: 9, control_action: { type: 'drop' } }, police)).toBe('police (rate not reported), excess drop');
  });

  it('joins a police action to the text that follows its JSON in the probe', () => {
    // The two captures come from different hosts; only the action index joins them.
    const body = `@@filters eth1 ffff:@@\n${old('tc-filter-show-ingress-basic-text-options-6.0.txt')}@@filters-text eth1 ffff:@@\n${old('tc-filter-show-flower-police-text-2020.txt')}`;
    const { filters } = parseFilters(body);
    expect(filters.map((f) => f.actions)).toEqual([['police 9.6 Mbit/s burst 64 KiB, excess reclassify'], ['police 480 kbit/s burst 64 KiB, excess reclassify']]);
    // tc's own text for a lone police action: what ingress policing takes back.
    expect(filters.map((f) => f.police)).toEqual([{ rate: '9600Kbit', burst: '64Kb', mtu: '2Kb' }, { rate: '480Kbit', burst: '64Kb', mtu: '2Kb' }]);
  });
});

describe('classifiers this kernel lacks (rows written from iproute2 6.1\'s printers, f_flower.c, f_fw.c, f_matchall.c)', () => {
  const read = (rows: unknown[]) => parseFilters(`@@filters eth2 1:@@\n${JSON.stringify(rows)}`).filters;

  it('says flower\'s keys the way u32\'s are said', () => {
    const [f] = read([
      { protocol: 'ip', pref: 5, kind: 'flower', chain: 0 },
      { protocol: 'ip', pref: 5, kind: 'flower', chain: 0, options: { handle: 1, classid: '1:10', keys: { eth_type: 'ipv4', ip_proto: 'tcp', dst_ip: '10.1.0.0/16', dst_port: { start: 8000, end: 8080 }, vlan_id: 10 }, not_in_hw: true } },
    ]);
    expect(f).toMatchObject({ kind: 'flower', handle: '0x1', classid: '1:10', match: 'IPv4 dst 10.1.0.0/16, TCP dst port 8000-8080, VLAN 10', actions: [] });
  });

  it('says fw\'s mark, as JSON (6.8+) and as the text before it', () => {
    const [json] = read([{ protocol: 'ip', pref: 7, kind: 'fw', chain: 0, options: { fw: { mark: '0x6', mask: '0xffffffff' }, classid: '1:10' } }]);
    expect(json).toMatchObject({ kind: 'fw', handle: '0x6', classid: '1:10', match: 'firewall mark 0x6' });
    const [text] = parseFilters('@@filters eth2 1:@@\n[{"protocol":"ip","pref":7,"kind":"fw","chain":0,"options":{handle 0x6/0xff classid 1:10 }}]').filters;
    expect(text).toMatchObject({ kind: 'fw', handle: '0x6', classid: '1:10', match: 'firewall mark 0x6/0xff' });
    // An input device narrows it: said, so that it is not put back without.
    const [indev] = read([{ protocol: 'ip', pref: 7, kind: 'fw', chain: 0, options: { fw: { mark: '0x6', mask: '0xffffffff' }, indev: 'eth0', classid: '1:10' } }]);
    expect(indev).toMatchObject({ kind: 'fw', match: 'firewall mark 0x6, arriving on eth0' });
  });

  it('says matchall as all traffic, with its actions', () => {
    const [f] = read([{ protocol: 'all', pref: 1, kind: 'matchall', chain: 0, options: { handle: 1, not_in_hw: true, actions: [{ order: 1, kind: 'gact', control_action: { type: 'drop' }, prob: { random_type: 'none', control_action: { type: 'pass' }, val: 0 }, index: 1, ref: 1, bind: 1 }] } }]);
    expect(f).toMatchObject({ kind: 'matchall', match: 'all traffic', actions: ['drop'] });
  });
});

describe('what cannot be read stays named, and the rest is kept', () => {
  const eth2 = scratch.match(/@@filters eth2 1:@@\n.*\n/)![0];

  it('reports a device whose tc call failed as missing, not unreadable', () => {
    const { filters, failed, unreadable } = parseFilters(`@@filters-failed gone0 1: 2@@\n${eth2}`);
    expect(failed).toEqual(['gone0 (1:): tc filter show failed with exit code 2']);
    expect(unreadable).toEqual([]);
    expect(filters).toHaveLength(10);
  });

  it('reports output that is not tc\'s JSON (a tc that ignores -j) as unreadable, naming the device', () => {
    const { filters, unreadable } = parseFilters(`@@filters eth9 1:@@\nfilter parent 1: protocol ip pref 1 u32 chain 0\n${eth2}`);
    expect(unreadable).toEqual([expect.stringMatching(/^the filters of eth9 \(1:\) could not be read \(not valid JSON/)]);
    expect(filters).toHaveLength(10);
  });

  it('shows both in the topology\'s missing list, under "filter"', () => {
    const text = scratch.replace('@@filters eth1 ffff:@@', '@@filters-failed eth7 1: 1@@\n@@filters eth9 1:@@\nnot json\n@@filters eth1 ffff:@@');
    const { topology: t } = parseProbeOutput(text);
    expect(t.missing.filter((m) => m.section === 'filter')).toEqual([
      { section: 'filter', reason: expect.stringContaining('the filters of eth9 (1:) could not be read'), unreadable: true },
      { section: 'filter', reason: 'eth7 (1:): tc filter show failed with exit code 1' },
    ]);
    expect(t.filters).toHaveLength(13);
  });

  it('leaves filters out (not reported missing) in a capture made before the probe read them', () => {
    const { topology: t } = parseProbeOutput(fixture('lab-full-hv1.probe.txt'));
    expect(t.filters).toBeUndefined();
    expect(t.missing).toEqual([]);
  });

  it('reports the whole section missing when tc is not there', () => {
    const text = scratch.replace(/@@sb:filter@@[\s\S]*?@@sb-end:filter:0@@/, '@@sb:filter@@\n\n@@sb-end:filter:127@@');
    const { topology: t } = parseProbeOutput(text);
    expect(t.filters).toBeUndefined();
    expect(t.missing).toContainEqual({ section: 'filter', reason: 'the command is not installed on the host' });
  });
});
