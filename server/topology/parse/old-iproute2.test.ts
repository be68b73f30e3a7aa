// Parsers against output of older iproute2 releases (Debian 10/11, Ubuntu 18.04/20.04, RHEL 8
// hypervisors) and of tunnels, recorded by other projects (fixtures/real/old-iproute2/, sources
// and version facts in its SOURCES.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBridgeVlans } from './bridge';
import { parseProbeOutput } from './index';
import { parseAddresses, parseLinks } from './ip';
import { LEGACY_OPTIONS_KEY } from '../model';
import { parseQdiscs, repairLegacyQdiscJson } from './tc';

const old = (name: string) => readFileSync(new URL(`./fixtures/real/old-iproute2/${name}`, import.meta.url), 'utf8');
const lab = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
const replaceSection = (text: string, section: string, body: string) =>
  text.replace(new RegExp(`(@@sb:${section}@@\\n)[\\s\\S]*?(\\n@@sb-end:${section}:)`), (_m, start: string, end: string) => `${start}${body}${end}`);

describe('bridge -j vlan show before iproute2 4.19: an object keyed by interface', () => {
  it('reads every port and VLAN of the 4.7 example', () => {
    const vlans = parseBridgeVlans(old('bridge-vlan-show-object-4.7.json'));
    expect([...vlans.keys()]).toEqual(['swp1', 'swp2', 'br0']);
    expect(vlans.get('swp1')).toEqual([{ vid: 1, pvid: true, untagged: true }, ...[10, 11, 12, 13].map((vid) => ({ vid, pvid: false, untagged: false }))]);
    expect(vlans.get('br0')).toEqual([{ vid: 1, pvid: true, untagged: true }]);
  });

  it('expands the compressed ranges to the same table', () => {
    expect(parseBridgeVlans(old('bridge-vlan-show-object-compressed-4.7.json'))).toEqual(parseBridgeVlans(old('bridge-vlan-show-object-4.7.json')));
  });

  it('puts the bridge\'s own VLANs on the bridge and the ports\' on the ports in a probe', () => {
    // The lab capture has no swp ports, so its vlan-filtering bridge stands in: rename br0's
    // table entries to the lab's own port and bridge names.
    const body = old('bridge-vlan-show-object-4.7.json').replace('"swp1"', '"eth1"').replace('"swp2"', '"vnet2"');
    const { topology: t } = parseProbeOutput(replaceSection(lab, 'bridge_vlan', body));
    const iface = (n: string) => t.interfaces.find((i) => i.name === n)!;
    expect(t.missing).toEqual([]);
    expect(iface('eth1').bridgePort?.vlans.map((v) => v.vid)).toEqual([1, 10, 11, 12, 13]);
    expect(iface('br0').bridge?.vlans).toEqual([{ vid: 1, pvid: true, untagged: true }]);
  });
});

describe('tc -j qdisc show before iproute2 5.5: text options inside the JSON', () => {
  const text = old('tc-qdisc-show-tbf-text-options.txt');

  it('is not JSON as printed, and is after the repair, with the text kept as the options', () => {
    expect(() => JSON.parse(text)).toThrow();
    expect(JSON.parse(repairLegacyQdiscJson(text))).toEqual([
      { kind: 'tbf', handle: '1:', root: true, refcnt: 2, options: { [LEGACY_OPTIONS_KEY]: 'rate 1Mbit burst 3840b lat 10.0ms' } },
      { kind: 'qfq', handle: '2:', parent: '1:1', options: {} },
    ]);
  });

  it('keeps the qdiscs (and the rest of the host) when the probe prints that shape', () => {
    // `tc qdisc show dev X` (the capture) omits the device that the probe's all-device form prints.
    const body = text.replaceAll('{"kind"', '{"dev":"eth2","kind"');
    const { qdiscs } = parseQdiscs(body);
    expect(qdiscs).toEqual([
      { dev: 'eth2', kind: 'tbf', handle: '1:', parent: null, root: true, options: { text: 'rate 1Mbit burst 3840b lat 10.0ms' } },
      { dev: 'eth2', kind: 'qfq', handle: '2:', parent: '1:1', root: false, options: {} },
    ]);
    const { topology: t } = parseProbeOutput(replaceSection(lab, 'qdisc', body));
    expect(t.missing).toEqual([]);
    expect(t.qdiscs.map((q) => q.kind)).toEqual(['tbf', 'qfq']);
  });

  it('degrades to "unreadable" for output even the repair cannot read (the 4.17-4.18 bridge writer)', () => {
    const broken = '["swp1","vlan":[{"vlan":1,"pvid":null,"untagged":null}]]';
    const { topology: t } = parseProbeOutput(replaceSection(lab, 'bridge_vlan', broken));
    expect(t.missing).toEqual([{ section: 'bridge_vlan', reason: expect.stringMatching(/^its output could not be read \(not valid JSON/), unreadable: true }]);
    expect(t.interfaces.length).toBeGreaterThan(10);
  });
});

describe('ip -j addr of iproute2 4.14-4.16 (pretty-printed, empty entries for filtered interfaces)', () => {
  it('skips the empty entries and reads the rest', () => {
    const addrs = parseAddresses(old('ip-addr-show-dev-pretty-4.1x.json'));
    expect([...addrs.keys()]).toEqual(['ens18']);
    expect(addrs.get('ens18')).toEqual([
      { family: 'inet', address: '192.168.20.41', prefixLength: 24, scope: 'global', dynamic: false },
      { family: 'inet6', address: 'fe80::443f:a9ff:fe6e:f790', prefixLength: 64, scope: 'link', dynamic: false },
    ]);
  });
});

describe('tunnels and IPv6 VXLAN (kernelkit/infix and netplan captures)', () => {
  const links = parseLinks(old('tunnels-vxlan-ip-link.json'));
  const iface = (n: string) => links.find((i) => i.name === n)!;

  it('keeps IPv6 VXLAN endpoints', () => {
    expect(iface('vxlan-v6').vxlan).toMatchObject({ local: expect.stringContaining(':'), remote: expect.stringContaining(':') });
    expect(iface('vxlan-v4').vxlan).toMatchObject({ local: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/), remote: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) });
  });

  it('does not report a GRE tunnel\'s IP as its MAC, and shows its endpoints instead', () => {
    expect(iface('gre-v4')).toMatchObject({ mac: null, permanentMac: null, tunnel: { local: '192.168.20.1', remote: '192.168.20.2' } });
    // ip6gre: its link address is IPv6, and its "permaddr" is an IPv6-shaped value too.
    expect(iface('gre-v6')).toMatchObject({ mac: null, permanentMac: null, tunnel: { local: '2001:db8::1', remote: '2001:db8::2' } });
    // gretap carries Ethernet: a real MAC, and tunnel endpoints.
    expect(iface('gretap-v4').mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(iface('gretap-v4').tunnel).toEqual({ local: expect.any(String), remote: expect.any(String) });
    expect(iface('gretap-v6').tunnel?.local).toContain(':');
  });

  it('does not report a sit tunnel\'s IP as its MAC; a WireGuard link has none', () => {
    const [wg0, tun0] = parseLinks(old('sit-wireguard-ip-addr.json'));
    expect(tun0).toMatchObject({ name: 'tun0', rawKind: 'sit', mac: null, tunnel: { local: '1.1.1.1', remote: '2.2.2.2' } });
    expect(wg0).toMatchObject({ name: 'wg0', rawKind: 'wireguard', mac: null, tunnel: null });
  });
});
