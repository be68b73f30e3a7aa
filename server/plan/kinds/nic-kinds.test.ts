// The VM NIC kinds: libvirt's own elements sent back changed in one place, the running VM and
// its kept definition each changed (and undone) from their own element; refusals in words.
import { describe, expect, it } from 'vitest';
import { checkDocument } from '../documents';
import { hostTopology, WEB1_KEPT_NIC } from '../fixtures';
import { ZOperation, type Operation } from '../ops';
import { renderOperation } from '../render';
import { validateOperation } from '../validate';
import { invertOperation } from '../invert';
import { withBandwidth, withLink, withSource } from '../vm-nics';
import { applyOperation } from '../project';
import { describeOperation } from '../ops';
import { ovsHost } from '@/server/testing/ovs-host';

const op = (o: unknown): Operation => ZOperation.parse(o);
const tail = (argv: string[]) => argv.slice(4);

describe('attachNic', () => {
  it('adds the NIC to the kept definition, then to the running VM, each undone by a detach of the same document', () => {
    const cmds = renderOperation(op({ kind: 'attachNic', vm: 'web1', network: 'default', mac: '52:54:00:01:01:07', model: 'e1000e', linkUp: false }), hostTopology());
    expect(cmds.map((c) => tail(c.argv))).toEqual([
      ['attach-device', 'web1', '@doc1', '--config'],
      ['attach-device', 'web1', '@doc1', '--live'],
    ]);
    expect(cmds.map((c) => c.inverse.map(tail))).toEqual([[['detach-device', 'web1', '@doc1', '--config']], [['detach-device', 'web1', '@doc1', '--live']]]);
    expect(cmds[0]!.documents![0]!.text).toBe(
      "<interface type=\"network\">\n  <mac address=\"52:54:00:01:01:07\"/>\n  <source network=\"default\"/>\n  <model type=\"e1000e\"/>\n  <link state=\"down\"/>\n</interface>\n",
    );
  });

  it.each<[string, unknown, string]>([
    ['a MAC the host uses', { kind: 'attachNic', vm: 'web1', network: 'default', mac: '52:54:00:01:01:01' }, 'MAC 52:54:00:01:01:01 is already used by VM web1 on this host.'],
    ['no MAC (the panel fills one in before this)', { kind: 'attachNic', vm: 'web1', network: 'default' }, 'The NIC needs a MAC address (the panel picks a free one when none is given).'],
    ['two places at once', { kind: 'attachNic', vm: 'web1', network: 'default', bridge: 'br0', mac: '52:54:00:01:01:07' }, 'A NIC goes on exactly one of: a network, a bridge, or a host device (macvtap).'],
    ['a VM that does not exist', { kind: 'attachNic', vm: 'nosuch', network: 'default', mac: '52:54:00:01:01:07' }, 'There is no VM nosuch on this host.'],
    ['multiqueue on e1000e', { kind: 'attachNic', vm: 'web1', network: 'default', mac: '52:54:00:01:01:07', model: 'e1000e', queues: 4 }, 'Multiqueue needs a virtio NIC; e1000e has one queue.'],
  ])('refuses %s', (_, o, message) => {
    expect(validateOperation(hostTopology(), op(o))).toContain(message);
  });

  it('refuses a network that is stopped while the VM runs', () => {
    const t = hostTopology();
    t.networks[0]!.active = false;
    expect(validateOperation(t, op({ kind: 'attachNic', vm: 'web1', network: 'default', mac: '52:54:00:01:01:07' }))).toContain('Network default is stopped; start it first, or web1 cannot use it while it runs.');
  });

  it('refuses a VM whose kept definition was not read (no exact undo)', () => {
    const t = hostTopology();
    t.vms[0]!.configNics = null;
    expect(validateOperation(t, op({ kind: 'detachNic', vm: 'web1', mac: '52:54:00:01:01:01' }))).toEqual(["VM web1's kept definition could not be read, so an exact undo cannot be planned; refresh the host."]);
  });
});

describe('attachNic on Open vSwitch', () => {
  const onOvs = { kind: 'attachNic', vm: 'web1', bridge: 'br-vm', mac: '52:54:00:01:01:08', vlanTag: 30 };

  it("puts the NIC on an OVS bridge through libvirt's openvswitch virtual port, in an access VLAN", () => {
    const t = ovsHost();
    const attach = op(onOvs);
    expect(validateOperation(t, attach)).toEqual([]);
    const text = renderOperation(attach, t)[0]!.documents![0]!.text;
    expect(text).toBe(
      '<interface type="bridge">\n  <mac address="52:54:00:01:01:08"/>\n  <source bridge="br-vm"/>\n  <model type="virtio"/>\n  <vlan>\n    <tag id="30"/>\n  </vlan>\n  <virtualport type="openvswitch"/>\n</interface>\n',
    );
    expect(() => checkDocument({ shape: 'libvirt-interface', text })).not.toThrow();
    const nic = applyOperation(t, attach).vms.find((v) => v.name === 'web1')!.configNics!.find((n) => n.mac === '52:54:00:01:01:08')!;
    expect(nic).toMatchObject({ type: 'bridge', source: 'br-vm', virtualport: { type: 'openvswitch' }, vlan: { trunk: false, tags: [{ id: 30 }] } });
    expect(describeOperation(attach)).toBe('attach a virtio NIC 52:54:00:01:01:08 to web1 on bridge br-vm in VLAN 30');
    // A Linux bridge gets no virtual port, and no tag.
    expect(renderOperation(op({ ...onOvs, bridge: 'br0', vlanTag: undefined }), t)[0]!.documents![0]!.text).not.toContain('virtualport');
  });

  it('refuses a VLAN tag off Open vSwitch, and one out of range, in words', () => {
    expect(validateOperation(ovsHost(), op({ ...onOvs, bridge: 'br0' }))).toContain(
      "A VLAN tag on a VM's NIC needs an Open vSwitch bridge; br0 is a Linux bridge (give the VM's port its VLANs on the bridge instead).",
    );
    const r = ZOperation.safeParse({ ...onOvs, vlanTag: 4095 });
    expect(r.success === false && r.error.issues[0]!.message).toBe('A VLAN tag is a number from 1 to 4094.');
  });
});

describe('detachNic', () => {
  it('detaches the running NIC and the kept one, each put back from libvirt’s own element (PCI slot kept, tap name and alias left to libvirt)', () => {
    const [live, kept] = renderOperation(op({ kind: 'detachNic', vm: 'web1', mac: '52:54:00:01:01:01' }), hostTopology());
    expect(tail(live!.argv)).toEqual(['detach-device', 'web1', '@doc1', '--live']);
    expect(live!.documents![0]!.text).not.toMatch(/<target|<alias/);
    expect(live!.documents![0]!.text).toContain("slot='0x03'");
    expect(tail(kept!.argv)).toEqual(['detach-device', 'web1', '@doc1', '--config']);
    expect(kept!.documents![0]!.text).toBe(WEB1_KEPT_NIC);
    for (const c of [live!, kept!]) for (const d of c.documents!) expect(() => checkDocument(d)).not.toThrow();
  });
});

describe('moveNic and setNicLink', () => {
  it('update the NIC in place: the new element and the old one both travel, the old one as the undo', () => {
    const [kept, live] = renderOperation(op({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', bridge: 'br0' }), hostTopology());
    expect(tail(kept!.argv)).toEqual(['update-device', 'web1', '@doc1', '--config']);
    expect(kept!.inverse.map(tail)).toEqual([['update-device', 'web1', '@doc2', '--config']]);
    expect(kept!.documents!.map((d) => d.text)).toEqual([withSource(WEB1_KEPT_NIC, { bridge: 'br0' }), WEB1_KEPT_NIC]);
    expect(kept!.documents![0]!.text).toMatch(/^<interface type='bridge'>[\s\S]*<source bridge='br0'\/>/);
    expect(tail(live!.argv)).toEqual(['update-device', 'web1', '@doc1', '--live']);
    expect(live!.documents![0]!.text).not.toContain('portid');
  });

  it('set the link down and up again with the same element', () => {
    const down = withLink(WEB1_KEPT_NIC, false);
    expect(down).toContain("<link state='down'/>");
    expect(withLink(down, true)).toBe(WEB1_KEPT_NIC);
    expect(() => checkDocument({ shape: 'libvirt-interface', text: down })).not.toThrow();
  });

  it('refuse to move a running VM’s NIC off a macvtap pool (libvirt cannot turn a macvtap into a tap in place)', () => {
    const t = hostTopology();
    t.networks.push({ ...t.networks[1]!, name: 'pool', uuid: '00000000-0000-4000-8000-000000000009', mode: 'vepa', bridge: null, forwardDevices: ['eth2'] });
    const web1 = t.vms[0]!;
    web1.nics = web1.nics.map((n) => ({ ...n, source: 'pool', bridge: null }));
    web1.configNics = web1.configNics!.map((n) => ({ ...n, source: 'pool' }));
    expect(validateOperation(t, op({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', bridge: 'br0' }))).toContain(
      "web1's NIC 52:54:00:01:01:01 is on macvtap network pool; while web1 runs it cannot move (detach it and attach a new one).",
    );
  });

  it('refuse a move to where the NIC already is, and a link already so', () => {
    expect(validateOperation(hostTopology(), op({ kind: 'moveNic', vm: 'web1', mac: '52:54:00:01:01:01', network: 'default' }))).toContain("web1's NIC 52:54:00:01:01:01 is already on network default.");
    expect(validateOperation(hostTopology(), op({ kind: 'setNicLink', vm: 'web1', mac: '52:54:00:01:01:01', up: true }))).toContain("The link of web1's NIC 52:54:00:01:01:01 is already up.");
  });
});

describe('setNicBandwidth', () => {
  const shaped = { inbound: { average: 1250, peak: 2500, burst: 512 }, outbound: { average: 625 } };

  it('puts the rates in the element, live and kept, each undone by the element as it was', () => {
    const [kept, live] = renderOperation(op({ kind: 'setNicBandwidth', vm: 'web1', mac: '52:54:00:01:01:01', bandwidth: shaped }), hostTopology());
    expect(tail(kept!.argv)).toEqual(['update-device', 'web1', '@doc1', '--config']);
    expect(tail(live!.argv)).toEqual(['update-device', 'web1', '@doc1', '--live']);
    const doc = kept!.documents![0]!.text;
    expect(doc).toContain('<inbound average="1250" peak="2500" burst="512"/>');
    expect(doc).toContain('<outbound average="625"/>');
    expect(doc).toMatch(/<\/bandwidth>\n {4}<\/interface>$/);
    expect(kept!.documents![1]!.text).toBe(WEB1_KEPT_NIC);
    expect(() => checkDocument({ shape: 'libvirt-interface', text: doc })).not.toThrow();
  });

  it('replaces rates already there, and an empty bandwidth takes the element out again', () => {
    const once = withBandwidth(WEB1_KEPT_NIC, shaped);
    const twice = withBandwidth(once, { outbound: { average: 100 } });
    expect(twice.match(/<bandwidth>/g)).toHaveLength(1);
    expect(twice).not.toContain('inbound');
    expect(withBandwidth(twice, {})).toBe(WEB1_KEPT_NIC);
  });

  it('is undone by the rates the NIC had (none: an empty bandwidth)', () => {
    const t = hostTopology();
    expect(invertOperation(op({ kind: 'setNicBandwidth', vm: 'web1', mac: '52:54:00:01:01:01', bandwidth: shaped }), t)).toEqual([
      { kind: 'setNicBandwidth', vm: 'web1', mac: '52:54:00:01:01:01', bandwidth: {} },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['a peak below the average', { inbound: { average: 1000, peak: 500 } }, "The inbound peak of web1's NIC 52:54:00:01:01:01 (4.0 Mbit/s) is below its average (8.0 Mbit/s); a peak is the most it may send in a burst."],
    ['a floor on a network without an inbound limit', { inbound: { average: 1000, floor: 100 } }, "A guaranteed rate (floor) for web1's NIC 52:54:00:01:01:01 needs network default to have an inbound limit to share out; set one on the network first."],
    ['no change', {}, "web1's NIC 52:54:00:01:01:01 is already shaped so (no limit)."],
  ])('refuses %s', (_, bandwidth, message) => {
    expect(validateOperation(hostTopology(), op({ kind: 'setNicBandwidth', vm: 'web1', mac: '52:54:00:01:01:01', bandwidth }))).toContain(message);
  });
});
