// NAT and port forwarding on the graph, on the hand-written host of the plan's tests: libvirt's
// NAT network `default` (192.168.122.0/24 on virbr0, web1 on it), uplink eth0 with the default
// route, br0 with 198.18.1.11/24, eth1.100 with 198.18.100.11/24.
import { describe, expect, it } from 'vitest';
import { hostTopology } from '@/server/plan/fixtures';
import { firewallPlaces, topologyToGraph, type Graph } from './graph';
import { defaultRouteDevice, natEdgeSentences } from './graph-nat';
import { firewallState, masqueradeRule, portForwardRule } from '@/server/testing/firewall-examples';
import { vmNicWith, vmWith, type FirewallState, type PortForwardRule, type Topology } from './model';

const libvirtMasq = masqueradeRule;
const forward = (extra: Partial<PortForwardRule> = {}) => portForwardRule({ changeId: 'c1', ...extra });
const firewall = firewallState;

/** The fixture host with web1 leased 192.168.122.10 and `fw` read. */
function host(fw: FirewallState): Topology {
  const t = hostTopology();
  t.networks[0]!.leases = [{ mac: '52:54:00:01:01:01', ip: '192.168.122.10', prefixLength: 24, hostname: 'web1', expires: '2026-12-01 23:10:04' }];
  t.firewall = fw;
  return t;
}

const nat = (g: Graph) => g.edges.filter((e) => e.kind === 'nat');
const forwardsOn = (g: Graph, id: string) => g.nodes.find((n) => n.id === id)?.data.portForwards;

function expectWellFormed(g: Graph) {
  const ids = new Set(g.nodes.map((n) => n.id));
  expect(ids.size).toBe(g.nodes.length);
  expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
  for (const e of g.edges) {
    expect(ids.has(e.source), e.id).toBe(true);
    expect(ids.has(e.target), e.id).toBe(true);
  }
}

describe('NAT edges', () => {
  it('draws one edge from a libvirt NAT network to its uplink, however many rules libvirt wrote for it', () => {
    // libvirt masquerades TCP and UDP (with a port range) and then the rest: three rules, one way out.
    const t = host(firewall({ masquerades: [libvirtMasq(), libvirtMasq(), libvirtMasq()] }));
    const g = topologyToGraph(t);
    expect(nat(g)).toEqual([{ id: 'nat:net:default>if:eth0', source: 'net:default', target: 'if:eth0', kind: 'nat', label: 'NAT (masquerade)' }]);
    expect(natEdgeSentences(firewallPlaces(t).nat[0]!)).toEqual(['192.168.122.0/24 masqueraded out of eth0 (except to 192.168.122.0/24) — libvirt']);
    expectWellFormed(g);
  });

  it('takes a subnet inside the network\'s range as the network\'s', () => {
    const g = topologyToGraph(host(firewall({ masquerades: [libvirtMasq({ source: '192.168.122.128/25' })] })));
    expect(nat(g).map((e) => e.source)).toEqual(['net:default']);
  });

  it('without an outgoing interface, goes to the device of the default route (the lowest metric)', () => {
    const t = host(firewall({ masquerades: [libvirtMasq({ outInterface: null, owner: 'switchboard', changeId: 'c9', tool: 'nft', table: 'inet switchboard', chain: 'postrouting' })] }));
    expect(nat(topologyToGraph(t))).toMatchObject([{ id: 'nat:net:default>if:eth0', target: 'if:eth0' }]);
    // A second default route through br0, preferred by its metric: the edge follows it.
    t.routes.push({ dst: 'default', gateway: '198.18.1.1', dev: 'br0', protocol: 'static', scope: null, prefsrc: null, metric: 50 });
    expect(defaultRouteDevice(t)).toBe('br0');
    expect(nat(topologyToGraph(t))).toMatchObject([{ id: 'nat:net:default>if:br0', source: 'net:default', target: 'if:br0' }]);
    // With no default route there is nowhere to draw it to.
    t.routes = t.routes.filter((r) => r.dst !== 'default');
    expect(nat(topologyToGraph(t))).toEqual([]);
  });

  it('without a libvirt network for the subnet, starts at the interface holding an address in it', () => {
    const g = topologyToGraph(host(firewall({ masquerades: [libvirtMasq({ owner: 'other', source: '198.18.100.0/24', exceptDestination: null })] })));
    expect(nat(g)).toMatchObject([{ id: 'nat:if:eth1.100>if:eth0', source: 'if:eth1.100', target: 'if:eth0' }]);
  });

  it('skips a masquerade with an end that has no node', () => {
    const g = topologyToGraph(
      host(
        firewall({
          masquerades: [
            libvirtMasq({ outInterface: 'wg0' }), // no such interface
            libvirtMasq({ outInterface: 'eth+' }), // iptables' wildcard names no one node
            libvirtMasq({ source: '10.99.0.0/16' }), // no network or address there
            libvirtMasq({ source: null }), // any source: no one node owns it
            libvirtMasq({ source: '198.18.0.0/24' }), // eth0 out of eth0: not an edge
          ],
        }),
      ),
    );
    expect(nat(g)).toEqual([]);
  });

  it('draws nothing of the firewall when it was not read', () => {
    const t = hostTopology();
    const g = topologyToGraph(t);
    expect(nat(g)).toEqual([]);
    expect(g.nodes.some((n) => 'portForwards' in n.data)).toBe(false);
    expect(g).toEqual(topologyToGraph({ ...t, firewall: firewall() }));
  });
});

describe('port-forward badges', () => {
  it('puts a forward on the VM whose NIC holds its address, with the rule in words for the tooltip', () => {
    const g = topologyToGraph(host(firewall({ portForwards: [forward({ inInterface: 'eth0', source: '10.0.0.0/8' })] })));
    expect(forwardsOn(g, 'vm:web1')).toEqual([{ text: 'tcp 8080 → 80', title: 'tcp port 8080 → 192.168.122.10 port 80 (arriving on eth0, from 10.0.0.0/8) — Switchboard, change c1' }]);
    expect(forwardsOn(g, 'net:default')).toBeUndefined();
    expectWellFormed(g);
  });

  it('finds the VM by any address it is known by (the guest agent, the neighbour table), IPv6 however written', () => {
    const t = host(firewall({ portForwards: [forward({ toAddress: 'fd00:122:0:0::10', protocol: 'udp', hostPort: 53, toPort: 53 }), forward({ toAddress: '192.168.122.77', hostPort: 2222, toPort: 22 })] }));
    t.guestAddresses = [{ vm: 'web1', mac: '52:54:00:01:01:01', ip: 'fd00:122::10', prefixLength: 64, guestInterface: 'enp1s0' }];
    t.neighbours = [{ ip: '192.168.122.77', dev: 'virbr0', mac: '52:54:00:01:01:01' }];
    expect(forwardsOn(topologyToGraph(t), 'vm:web1')?.map((b) => b.text)).toEqual(['udp 53 → 53', 'tcp 2222 → 22']);
  });

  it('prefers the running VM when a stopped one was last leased the same address', () => {
    const t = host(firewall({ portForwards: [forward()] }));
    t.vms.unshift(vmWith('old1', '00000000-0000-4000-8000-0000000000b1', 'shut off', [vmNicWith('network', { mac: '52:54:00:0b:0b:01', source: 'default' })]));
    t.networks[0]!.ips[0]!.staticHosts = [{ mac: '52:54:00:0b:0b:01', id: null, name: 'old1', ip: '192.168.122.10' }];
    const g = topologyToGraph(t);
    expect(forwardsOn(g, 'vm:web1')).toHaveLength(1);
    expect(forwardsOn(g, 'vm:old1')).toBeUndefined();
  });

  it('falls back to the libvirt network, then the interface, whose subnet holds the address; else to no node', () => {
    const g = topologyToGraph(
      host(
        firewall({
          portForwards: [
            forward({ toAddress: '192.168.122.50', hostPort: 8081 }), // on default's subnet, no VM known there
            forward({ toAddress: '198.18.1.77', hostPort: 8082, owner: 'other', changeId: null }), // br0's subnet
            forward({ toAddress: '203.0.113.5', hostPort: 8083 }), // routed elsewhere: the host summary only
          ],
        }),
      ),
    );
    expect(forwardsOn(g, 'vm:web1')).toBeUndefined();
    expect(forwardsOn(g, 'net:default')?.map((b) => b.text)).toEqual(['tcp 8081 → 80']);
    expect(forwardsOn(g, 'if:br0')?.map((b) => b.text)).toEqual(['tcp 8082 → 80']);
    expect(forwardsOn(g, 'if:virbr0')).toBeUndefined();
    expect(g.nodes.flatMap((n) => n.data.portForwards ?? []).map((b) => b.text).sort()).toEqual(['tcp 8081 → 80', 'tcp 8082 → 80']);
  });

  it('shows a forward read twice (nftables and iptables-nft) once', () => {
    const g = topologyToGraph(host(firewall({ portForwards: [forward(), forward()] })));
    expect(forwardsOn(g, 'vm:web1')).toHaveLength(1);
  });

  it('lists the forwards by node for the inspector, the NAT edges with their rules', () => {
    const t = host(firewall({ masquerades: [libvirtMasq()], portForwards: [forward()] }));
    const places = firewallPlaces(t);
    expect([...places.portForwards.keys()]).toEqual(['vm:web1']);
    expect(places.portForwards.get('vm:web1')![0]!.rule).toBe(t.firewall!.portForwards[0]);
    expect(places.nat.map((n) => [n.edge.id, n.rules.length])).toEqual([['nat:net:default>if:eth0', 1]]);
    expect(firewallPlaces(hostTopology())).toEqual({ nat: [], portForwards: new Map() });
  });
});
