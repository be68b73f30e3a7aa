// Test scaffolding: firewall rules as the probe reads them, for the graph, words, summary and
// NAT kinds' tests. Defaults: libvirt's masquerade of its NAT network 192.168.122.0/24 out of
// eth0, and Switchboard's forward of tcp 8080 to web1 (192.168.122.10) port 80.
import type { FirewallState, MasqueradeRule, PortForwardRule } from '@/server/topology/model';

export const masqueradeRule = (extra: Partial<MasqueradeRule> = {}): MasqueradeRule => ({
  owner: 'libvirt',
  changeId: null,
  tool: 'iptables',
  table: 'nat',
  chain: 'LIBVIRT_PRT',
  source: '192.168.122.0/24',
  outInterface: 'eth0',
  exceptDestination: '192.168.122.0/24',
  ...extra,
});

export const portForwardRule = (extra: Partial<PortForwardRule> = {}): PortForwardRule => ({
  owner: 'switchboard',
  changeId: 'cmc1x2',
  tool: 'nft',
  table: 'inet switchboard',
  chain: 'prerouting',
  protocol: 'tcp',
  hostPort: 8080,
  toAddress: '192.168.122.10',
  toPort: 80,
  inInterface: null,
  source: null,
  ...extra,
});

/** What both tools read, with nothing in it unless given. */
export const firewallState = (extra: Partial<FirewallState> = {}): FirewallState => ({
  tools: { nft: true, iptables: 'nft' },
  masquerades: [],
  portForwards: [],
  forwardAccepts: [],
  libvirtRejects: ['iptables'],
  unknownOwnRules: [],
  tables: [],
  ...extra,
});
