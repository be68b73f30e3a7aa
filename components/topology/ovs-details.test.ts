// The inspector's Open vSwitch parts, rendered to HTML from the probe run on kv1 with scratch
// bridges (server/topology/parse/fixtures/real/ovs/).
import { readFileSync } from 'node:fs';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { parseProbeOutput } from '@/server/topology/parse';
import { OvsBridgePorts, OvsPortInspector, ovsPortOfEdge, OvsPortRows } from './ovs-details';

const t = parseProbeOutput(readFileSync(new URL('../../server/topology/parse/fixtures/real/ovs/kv1-scratch.probe.txt', import.meta.url), 'utf8')).topology;
/** The markup's text, tags removed and entities decoded, so it reads as people see it. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
const rowOf = (html: string, port: string) => text(new RegExp(`<tr data-port="${port}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '');

describe('the inspector on Open vSwitch', () => {
  it('lists an OVS bridge\'s ports with type, VLANs and details in words', () => {
    const bridge = t.ovs!.bridges.find((b) => b.name === 'sbscratch')!;
    const html = renderToStaticMarkup(createElement(OvsBridgePorts, { bridge }));
    expect(html).toContain('data-testid="ovs-ports"');
    expect(rowOf(html, 'vx9')).toBe('vx9 VXLAN every VLAN, as it arrives (no tag or trunks set) VXLAN from 198.18.0.211 to 198.18.0.99, key 100, UDP port 4790');
    expect(rowOf(html, 'sbtap9')).toBe('sbtap9 kernel device access port of VLAN 30 VM NIC 52:54:00:5b:09:01');
    expect(rowOf(html, 'sbtrunk')).toBe('sbtrunk internal port trunk of VLANs 10, 20 —');
    expect(rowOf(html, 'sbbond')).toBe('sbbond bond every VLAN, as it arrives (no tag or trunks set) balance-slb, LACP off; sbd1, sbd2');
    expect(rowOf(html, 'sbscratch')).toContain("the bridge's own internal port");
  });

  it('shows a tunnel port\'s bridge, VLANs, endpoints and the kernel device that carries it', () => {
    const html = renderToStaticMarkup(createElement(OvsPortInspector, { topology: t, name: 'vx9' }));
    expect(text(html)).toBe(
      'vx9 OVS VXLAN Bridge sbscratch VLANs every VLAN, as it arrives (no tag or trunks set) Tunnel VXLAN from 198.18.0.211 to 198.18.0.99, key 100, UDP port 4790 Kernel device vxlan_sys_4790 (shared by the datapath\'s VXLAN ports)',
    );
    expect(text(renderToStaticMarkup(createElement(OvsPortInspector, { topology: t, name: 'sbmissing' })))).toContain('Error could not open network device sbmissing (No such device)');
    expect(text(renderToStaticMarkup(createElement(OvsPortInspector, { topology: t, name: 'gone' })))).toBe('gone is no longer an Open vSwitch port.');
    // A bond's interface (an `ovsif:` node) is looked up among interfaces, not ports.
    expect(text(renderToStaticMarkup(createElement(OvsPortInspector, { topology: t, name: 'sbd1', interface: true })))).toBe(
      'sbd1 OVS kernel device Bridge sbscratch Port sbbond VLANs every VLAN, as it arrives (no tag or trunks set) Bond balance-slb, LACP off; sbd1, sbd2',
    );
    expect(text(renderToStaticMarkup(createElement(OvsPortInspector, { topology: t, name: 'sbd1' })))).toBe('sbd1 is no longer an Open vSwitch port.');
  });

  it('adds the OVS port to a kernel interface\'s details', () => {
    expect(text(renderToStaticMarkup(createElement(OvsPortRows, { topology: t, name: 'ovsint0' })))).toBe('Open vSwitch port of ovsbr0, access port of VLAN 10');
    expect(text(renderToStaticMarkup(createElement(OvsPortRows, { topology: t, name: 'sbd1' })))).toBe(
      'Open vSwitch in port sbbond of sbscratch, every VLAN, as it arrives (no tag or trunks set) OVS bond balance-slb, LACP off; sbd1, sbd2',
    );
    // Not an OVS port, or the bridge itself: nothing to add.
    expect(renderToStaticMarkup(createElement(OvsPortRows, { topology: t, name: 'eth1' }))).toBe('');
    expect(renderToStaticMarkup(createElement(OvsPortRows, { topology: t, name: 'ovsbr0' }))).toBe('');
  });

  it('finds the port an edge stands for, names with ":" included', () => {
    expect(ovsPortOfEdge(t, 'ovsport:vx9')).toBe('vx9');
    expect(ovsPortOfEdge(t, 'ovsbond:sbd2')).toBe('sbbond');
    expect(ovsPortOfEdge(t, 'ovspatch:patch-a:patch-b')).toBe('patch-a');
    expect(ovsPortOfEdge(t, 'member:eth1')).toBeNull();
  });
});
