// Parsers against `ip`/`bridge` output recorded on real systems by other projects
// (fixtures/real/, sources in fixtures/real/SOURCES.md): interface kinds the lab kernel cannot
// create (802.1Q VLANs, VLAN-filtering bridges, dummies), so the lab captures never exercise them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NetInterface } from '../model';
import { parseBridgeVlans } from './bridge';
import { parseProbeOutput } from './index';
import { parseLinks } from './ip';

const real = (name: string) => readFileSync(new URL(`./fixtures/real/${name}`, import.meta.url), 'utf8');
const byName = (list: NetInterface[]) => (name: string) => {
  const i = list.find((x) => x.name === name);
  if (!i) throw new Error(`no ${name}`);
  return i;
};

describe('802.1Q VLANs and VLAN-filtering bridges (kernelkit/infix capture)', () => {
  const links = parseLinks(real('vlan-bridge-ip-link.json'));
  const iface = byName(links);

  it('reads every interface of the capture', () => {
    expect(links.map((i) => i.name)).toEqual(['e2', 'e3', 'e2.30', 'br-X', 'veth0b', 'veth0a', 'veth0a.20', 'br-D', 'br-Q', 'br-Q.40', 'e3.10']);
  });

  it('types VLANs with their id, protocol and lower device', () => {
    expect(iface('e3.10')).toMatchObject({ kind: 'vlan', rawKind: 'vlan', vlan: { id: 10, protocol: '802.1Q' }, parent: 'e3', master: null, bridgePort: null });
    expect(iface('veth0a.20')).toMatchObject({ kind: 'vlan', vlan: { id: 20, protocol: '802.1Q' }, parent: 'veth0a', peer: null });
    // A VLAN on top of a VLAN-filtering bridge (the bridge's own port into VLAN 40).
    expect(iface('br-Q.40')).toMatchObject({ kind: 'vlan', vlan: { id: 40, protocol: '802.1Q' }, parent: 'br-Q' });
  });

  it('keeps a VLAN that is also a bridge port both a VLAN and a port', () => {
    // linkinfo carries info_kind "vlan" and info_slave_kind "bridge" side by side.
    expect(iface('e2.30')).toMatchObject({
      kind: 'vlan',
      vlan: { id: 30, protocol: '802.1Q' },
      parent: 'e2',
      master: 'br-X',
      bridgePort: { state: 'forwarding', vlans: [] },
    });
    expect(iface('veth0a.20')).toMatchObject({ master: 'br-D', bridgePort: { state: 'forwarding' } });
  });

  it('tells a VLAN-filtering bridge from plain ones', () => {
    expect(iface('br-Q')).toMatchObject({ kind: 'bridge', bridge: { vlanFiltering: true, stp: false, forwardDelayCs: 1500 }, vlan: null, parent: null });
    expect(iface('br-X').bridge).toEqual({ vlanFiltering: false, stp: false, forwardDelayCs: 1500, vlans: [] });
    expect(iface('br-D').bridge?.vlanFiltering).toBe(false);
  });

  it('reads the ports of the filtering bridge and the veth pair', () => {
    expect(iface('e3')).toMatchObject({ kind: 'ethernet', master: 'br-Q', mac: '00:a0:85:00:03:03', bridgePort: { state: 'forwarding' } });
    expect(iface('e2')).toMatchObject({ kind: 'ethernet', master: null, bridgePort: null, mtu: 1500, adminUp: true, carrier: true });
    expect(iface('veth0b')).toMatchObject({ kind: 'veth', peer: 'veth0a', parent: null, master: 'br-Q', peerIfindexElsewhere: null });
    expect(iface('veth0a')).toMatchObject({ kind: 'veth', peer: 'veth0b' });
  });
});

describe('bridge -j vlan show (kernelkit/infix captures)', () => {
  it('reads tagged-only port VLANs and the bridge entry with Egress Untagged but no PVID', () => {
    const vlans = parseBridgeVlans(real('bridge-vlan-show.json'));
    expect([...vlans.keys()]).toEqual(['e3', 'veth0b', 'br-Q']);
    const tagged = [20, 30, 40].map((vid) => ({ vid, pvid: false, untagged: false }));
    expect(vlans.get('e3')).toEqual(tagged);
    expect(vlans.get('veth0b')).toEqual(tagged);
    expect(vlans.get('br-Q')).toEqual([
      { vid: 20, pvid: false, untagged: true },
      { vid: 30, pvid: false, untagged: true },
      { vid: 40, pvid: false, untagged: false },
    ]);
  });

  it('reads PVID + Egress Untagged access ports', () => {
    const vlans = parseBridgeVlans(real('bridge-vlan-show-pvid.json'));
    expect([...vlans.keys()]).toEqual(['e3', 'e4', 'veth0b', 'veth2b', 'br0', 'veth1b']);
    expect(vlans.get('e3')).toEqual([{ vid: 1, pvid: true, untagged: true }]);
    expect(vlans.get('veth1b')).toEqual([{ vid: 6, pvid: true, untagged: true }]);
  });

  it('attaches the VLAN lists to the matching ports when both come from one probe', () => {
    // The lab capture with its link and bridge_vlan sections replaced by the Infix pair
    // (recorded together on one system, same commit).
    const lab = readFileSync(new URL('./fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
    const replaceSection = (text: string, section: string, body: string) =>
      text.replace(new RegExp(`(@@sb:${section}@@\\n)[\\s\\S]*?(\\n@@sb-end:${section}:)`), (_m, start: string, end: string) => `${start}${body}${end}`);
    const probe = replaceSection(replaceSection(lab, 'link', real('vlan-bridge-ip-link.json').trim()), 'bridge_vlan', real('bridge-vlan-show.json').trim());
    const iface = byName(parseProbeOutput(probe).topology.interfaces);
    expect(iface('e3').bridgePort?.vlans.map((v) => v.vid)).toEqual([20, 30, 40]);
    expect(iface('veth0b').bridgePort?.vlans).toHaveLength(3);
    // A VLAN device enslaved to a non-filtering bridge has no rows in the table.
    expect(iface('e2.30').bridgePort?.vlans).toEqual([]);
  });
});

describe('dummy interfaces (aristanetworks/bst capture)', () => {
  it('types a dummy with nothing else attached', () => {
    const links = parseLinks(real('dummy-ip-link.json'));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({
      name: 'dummy',
      index: 2,
      kind: 'dummy',
      rawKind: 'dummy',
      mac: null, // the recording removed the random address
      mtu: 1500,
      operstate: 'UNKNOWN',
      adminUp: true,
      carrier: true,
      master: null,
      parent: null,
      vlan: null,
      bridge: null,
      bond: null,
      bridgePort: null,
    });
  });
});

describe('a real-kernel lab host (kv1: Debian 12, kernel 6.1, captured with the panel\'s probe)', () => {
  // Recorded from the lab's real-kernel guest: `sh -s` with the probe script over SSH, and
  // /proc/net/bonding/bond0 (the bonding driver's own report) at the same time.
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const topology = parseProbeOutput(fixture('lab-kv1.probe.txt')).topology;
  const iface = byName(topology.interfaces);
  const procBonding = fixture('lab-kv1-bond0.proc-net-bonding.txt');

  it('bond kind, mode, miimon and the port master from a real capture', () => {
    expect(iface('bond0')).toMatchObject({ kind: 'bond', rawKind: 'bond', bond: { mode: 'active-backup', miimon: 100 }, master: null });
    const members = topology.interfaces.filter((i) => i.master === 'bond0').map((i) => i.name).sort();
    expect(members).toEqual(['eth4', 'eth5']);
    // A member is not a bridge port, and its MAC is the bond's (active-backup takes the first's).
    expect(iface('eth4')).toMatchObject({ kind: 'ethernet', bridgePort: null, mac: iface('bond0').mac });
    // What each gets back when it leaves: the address the bonding driver saved.
    expect([iface('eth4').permanentMac, iface('eth5').permanentMac]).toEqual(['02:5b:00:c9:00:04', '02:5b:00:c9:00:05']);
    expect(iface('bond0').permanentMac).toBeNull();
    // The bonding driver's own report agrees with what the parser made of `ip -j -d link`.
    expect(procBonding).toMatch(/^Bonding Mode: fault-tolerance \(active-backup\)$/m);
    expect(Number(/^MII Polling Interval \(ms\): (\d+)$/m.exec(procBonding)?.[1])).toBe(iface('bond0').bond?.miimon);
    expect([...procBonding.matchAll(/^Slave Interface: (\S+)$/gm)].map((m) => m[1]).sort()).toEqual(members);
  });

  it('reads 802.1Q VLANs on the bond and on a NIC', () => {
    expect(iface('bond0.100')).toMatchObject({ kind: 'vlan', parent: 'bond0', vlan: { id: 100, protocol: '802.1Q' } });
    expect(iface('eth3.30')).toMatchObject({ kind: 'vlan', parent: 'eth3', vlan: { id: 30, protocol: '802.1Q' } });
  });

  it('reads a VLAN-filtering bridge with a trunk and an access port', () => {
    expect(iface('brvf').bridge).toMatchObject({ vlanFiltering: true });
    expect(iface('vaccess')).toMatchObject({ master: 'brvf', bridgePort: { vlans: [{ vid: 10, pvid: true, untagged: true }] } });
    expect(iface('vtrunk').bridgePort?.vlans).toEqual([
      { vid: 1, pvid: true, untagged: true },
      { vid: 10, pvid: false, untagged: false },
      { vid: 20, pvid: false, untagged: false },
    ]);
  });

  it('reads a dummy, its netem qdisc, and the Open vSwitch devices as interfaces', () => {
    expect(iface('dummy0').kind).toBe('dummy');
    expect(iface('dummy0').addresses).toContainEqual(expect.objectContaining({ address: '198.18.251.211', prefixLength: 32, scope: 'global' }));
    expect(topology.qdiscs.find((q) => q.dev === 'dummy0')).toMatchObject({ kind: 'netem', root: true });
    for (const n of ['ovsbr0', 'ovsint0', 'ovs-system']) expect(iface(n).rawKind).toBe('openvswitch');
  });
});
