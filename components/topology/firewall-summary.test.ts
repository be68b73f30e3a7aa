// The host's NAT and port forwards as the host card, the inspector and the graph show them,
// rendered to HTML from the plan's hand-written host with a firewall read by hand.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { topologyToGraph } from '@/server/topology/graph';
import { firewallState, masqueradeRule, portForwardRule } from '@/server/testing/firewall-examples';
import type { FirewallState, Topology } from '@/server/topology/model';
import { FirewallSummary, NatEdgeDetails, PortForwardsAt } from './firewall-summary';
import { flowEdgeOf, layoutEdges } from './flow-edges';
import { PortForwardBadges } from './nodes';

/** The markup's text, tags removed and entities decoded, so it reads as people see it. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;|&apos;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
/** The text of each element carrying `data-testid="<id>"` (no nested elements of the same tag inside). */
const rows = (html: string, id: string) => [...html.matchAll(new RegExp(`<(\\w+)[^>]*data-testid="${id}"[^>]*>([\\s\\S]*?)</\\1>`, 'g'))].map((m) => text(m[2]!));

const libvirtMasq = masqueradeRule();
const web1Forward = portForwardRule();

function host(fw: Partial<FirewallState>): Topology {
  const t = hostTopology();
  t.networks[0]!.leases = [{ mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, hostname: 'web1', expires: '2026-12-01 23:10:04' }];
  t.firewall = firewallState(fw);
  return t;
}

describe('the firewall summary on the host card', () => {
  const t = host({
    // libvirt's three masquerades (TCP, UDP, the rest) read as one sentence.
    masquerades: [libvirtMasq, libvirtMasq, libvirtMasq],
    portForwards: [web1Forward, { ...web1Forward, changeId: null, owner: 'other', table: 'ip nat', chain: 'PREROUTING', hostPort: 2222, toPort: 22, inInterface: 'eth0', source: '10.0.0.0/8' }],
    forwardAccepts: [
      { tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'cmc1x2' },
      { tool: 'iptables', protocol: 'udp', toAddress: '192.168.122.99', toPort: 53, outInterface: 'virbr0', changeId: 'old7' },
    ],
    tables: [
      { tool: 'nft', family: 'inet', name: 'switchboard', rules: 2 },
      { tool: 'iptables', family: 'ip', name: 'nat', rules: 5 },
    ],
  });
  const html = renderToStaticMarkup(createElement(FirewallSummary, { topology: t }));

  it('lists masquerades and port forwards in sentences, one row each, with who wrote them', () => {
    expect(html).toContain('data-testid="firewall-summary"');
    expect(rows(html, 'firewall-rule')).toEqual([
      '192.168.122.0/24 masqueraded out of eth0 (except to 192.168.122.0/24) — libvirt',
      "tcp port 8080 → 192.168.122.10 port 80 — Switchboard, change cmc1x2 Switchboard lets tcp to 192.168.122.10 port 80 out to virbr0 past libvirt's reject (change cmc1x2).",
      'tcp port 2222 → 192.168.122.10 port 22 (arriving on eth0, from 10.0.0.0/8) — not written by Switchboard or libvirt (nftables ip nat, chain PREROUTING)',
    ]);
    expect([...html.matchAll(/data-testid="firewall-rule" data-kind="([^"]+)" data-owner="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['masquerade libvirt', 'port-forward switchboard', 'port-forward other']);
    expect(html).toContain('title="Read from iptables nat, chain LIBVIRT_PRT"');
  });

  it('says which tools were read, the tables, and an accept rule left without its forward', () => {
    expect(rows(html, 'firewall-tools')).toEqual(['Read from nftables and iptables (nf_tables).']);
    expect(text(html)).toContain('Tables read: nftables inet switchboard (2 rules); iptables nat (5 rules).');
    expect(rows(html, 'firewall-accept')).toEqual(["Switchboard lets udp to 192.168.122.99 port 53 out to virbr0 past libvirt's reject (change old7)."]);
    expect(html).not.toContain('firewall-unknown-rules');
    expect(html).not.toContain('firewall-forwarding-off');
  });

  it('warns when Switchboard\'s table holds rules it did not write, and when IP forwarding is off', () => {
    const t2 = host({ masquerades: [libvirtMasq], unknownOwnRules: ['tcp dport 22 drop'] });
    t2.host.ipForward = false;
    const warned = renderToStaticMarkup(createElement(FirewallSummary, { topology: t2 }));
    expect(rows(warned, 'firewall-unknown-rules')).toEqual([
      'Switchboard\'s table (inet switchboard) holds a rule it did not write: "tcp dport 22 drop"; NAT edits are refused until it is removed.',
    ]);
    expect(rows(warned, 'firewall-forwarding-off')).toEqual(['IP forwarding is off on hv-test, so none of these rules carries traffic until it is turned on.']);
  });

  it('says there are none, and shows nothing at all for a host whose firewall was not read', () => {
    const empty = renderToStaticMarkup(createElement(FirewallSummary, { topology: host({ tools: { nft: false, iptables: 'legacy' } }) }));
    expect(text(empty)).toBe('NAT and port forwarding Read from iptables (legacy). Masquerading None. Port forwards None.');
    expect(renderToStaticMarkup(createElement(FirewallSummary, { topology: hostTopology() }))).toBe('');
  });
});

describe('NAT edges and port-forward badges as drawn', () => {
  const t = host({ masquerades: [libvirtMasq], portForwards: [web1Forward] });
  const g = topologyToGraph(t);
  const natEdge = g.edges.find((e) => e.kind === 'nat')!;

  it('draws a NAT edge dashed with its class and label, left out of the layout', () => {
    const flow = flowEdgeOf(natEdge, undefined, g.edges.length);
    expect(flow).toMatchObject({ id: 'nat:net:default>if:eth0', source: 'net:default', target: 'if:eth0', className: 'nat-edge', label: 'NAT (masquerade)', data: { kind: 'nat' } });
    expect(flow.style?.strokeDasharray).toBeTruthy();
    expect(flowEdgeOf(natEdge, 'added', g.edges.length).className).toBe('pending nat-edge');
    expect(flowEdgeOf(natEdge, 'removed', g.edges.length).className).toBe('pending-removed nat-edge');
    // Other edges keep what they had: no class unless pending.
    const member = g.edges.find((e) => e.id === 'member:eth1')!;
    expect(flowEdgeOf(member, undefined, g.edges.length).className).toBeUndefined();
    expect(layoutEdges(g.edges).some((e) => e.kind === 'nat')).toBe(false);
    expect(layoutEdges(g.edges)).toHaveLength(g.edges.length - 1);
  });

  it('shows what a NAT edge stands for when it is selected', () => {
    const html = renderToStaticMarkup(createElement(NatEdgeDetails, { topology: t, edgeId: natEdge.id }));
    expect(text(html)).toBe('NAT (masquerade) from libvirt network default out of eth0 192.168.122.0/24 masqueraded out of eth0 (except to 192.168.122.0/24) — libvirt');
    // Gone from the draft: told from the host as last read; gone from both: said so.
    expect(text(renderToStaticMarkup(createElement(NatEdgeDetails, { topology: hostTopology(), live: t, edgeId: natEdge.id })))).toContain('192.168.122.0/24 masqueraded out of eth0');
    expect(text(renderToStaticMarkup(createElement(NatEdgeDetails, { topology: hostTopology(), edgeId: natEdge.id })))).toBe('That NAT rule is no longer on the host.');
  });

  it('badges the VM with the forward, the rule in the tooltip, and lists it in the VM\'s details', () => {
    const badges = g.nodes.find((n) => n.id === 'vm:web1')!.data.portForwards!;
    const html = renderToStaticMarkup(createElement(PortForwardBadges, { badges }));
    expect(html).toBe(
      '<span data-testid="port-forward-badge" title="Port forward: tcp port 8080 → 192.168.122.10 port 80 — Switchboard, change cmc1x2" class="rounded bg-orange-100 px-1 text-[10px] text-orange-900 ring-1 ring-inset ring-orange-300">tcp 8080 → 80</span>',
    );
    expect(rows(renderToStaticMarkup(createElement(PortForwardsAt, { topology: t, nodeId: 'vm:web1' })), 'port-forwards-at')).toEqual(['tcp port 8080 → 192.168.122.10 port 80 — Switchboard, change cmc1x2']);
    expect(renderToStaticMarkup(createElement(PortForwardsAt, { topology: t, nodeId: 'net:default' }))).toBe('');
  });

  it("marks a forward whose accept sits below libvirt's reject as blocked, on the badge and in the summary, in words", () => {
    const blockedHost = host({
      portForwards: [web1Forward],
      forwardAccepts: [{ tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'cmc1x2', shadowedBy: 'LIBVIRT_FWI' }],
    });
    const sentence =
      "Blocked: libvirt's rules (LIBVIRT_FWI) come before Switchboard's accept in FORWARD and refuse new connections to 192.168.122.10 port 80, as after a firewall reload (firewalld, iptables-restore). Putting the forward back puts its accept on top again.";
    const badges = topologyToGraph(blockedHost).nodes.find((n) => n.id === 'vm:web1')!.data.portForwards!;
    expect(badges).toEqual([expect.objectContaining({ text: 'tcp 8080 → 80', blocked: sentence })]);
    const badge = renderToStaticMarkup(createElement(PortForwardBadges, { badges }));
    expect(rows(badge, 'port-forward-badge')).toEqual(['tcp 8080 → 80 (blocked)']);
    expect(badge).toContain('data-blocked="true"');
    expect(rows(renderToStaticMarkup(createElement(FirewallSummary, { topology: blockedHost })), 'forward-accept-blocked')).toEqual([sentence]);
    // And in the details of the VM it reaches.
    expect(rows(renderToStaticMarkup(createElement(PortForwardsAt, { topology: blockedHost, nodeId: 'vm:web1' })), 'forward-accept-blocked')).toEqual([sentence]);
    // Two forwards to the same VM port: one accept on top lets both through.
    const oneOnTop = host({
      portForwards: [web1Forward],
      forwardAccepts: [
        { tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'old1', shadowedBy: 'LIBVIRT_FWI' },
        { tool: 'iptables', protocol: 'tcp', toAddress: '192.168.122.10', toPort: 80, outInterface: 'virbr0', changeId: 'cmc1x2' },
      ],
    });
    expect(renderToStaticMarkup(createElement(FirewallSummary, { topology: oneOnTop }))).not.toContain('forward-accept-blocked');
    // On top of them: no mark.
    expect(renderToStaticMarkup(createElement(FirewallSummary, { topology: t }))).not.toContain('forward-accept-blocked');
  });

  it('sums up a node\'s forwards beyond three in one badge', () => {
    const many = [1, 2, 3, 4, 5].map((n) => ({ text: `tcp ${8080 + n} → 80`, title: `forward ${n}` }));
    const html = renderToStaticMarkup(createElement(PortForwardBadges, { badges: many }));
    expect(rows(html, 'port-forward-badge')).toEqual(['tcp 8081 → 80', 'tcp 8082 → 80', 'tcp 8083 → 80']);
    expect(rows(html, 'port-forward-more')).toEqual(['+2 forwards']);
    // Four fit: no "+1" badge standing in for a single one.
    expect(rows(renderToStaticMarkup(createElement(PortForwardBadges, { badges: many.slice(0, 4) })), 'port-forward-badge')).toHaveLength(4);
  });
});
