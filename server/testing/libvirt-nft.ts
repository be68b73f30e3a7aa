// libvirt's nftables backend (libvirt 10+, `firewall_backend = "nftables"`), for a lab whose
// libvirt 9 (Debian 12) writes through iptables only: the table libvirt would build for one NAT
// network, in the order network_nftables.c issues its commands (private chains first, each
// joined by an inserted jump; then the network's general rules, then its address's rules, all
// inserted on top, so the last one issued comes first). Loaded with `nft -f` from stdin.

/** libvirt's own table and chains, with the rules of one NAT network `bridge` on `subnet` (CIDR). */
export function libvirtNftDocument(bridge: string, subnet: string): string {
  return [
    'table ip libvirt_network { comment "Managed by libvirt for virtual networks: https://libvirt.org/firewall.html#the-virtual-network-driver"; }',
    'add chain ip libvirt_network forward { type filter hook forward priority 0; policy accept; }',
    'add chain ip libvirt_network guest_output',
    'insert rule ip libvirt_network forward counter jump guest_output',
    'add chain ip libvirt_network guest_input',
    'insert rule ip libvirt_network forward counter jump guest_input',
    'add chain ip libvirt_network guest_cross',
    'insert rule ip libvirt_network forward counter jump guest_cross',
    'add chain ip libvirt_network guest_nat { type nat hook postrouting priority 100; policy accept; }',
    // nftablesAddGeneralIPv4FirewallRules: reject out, reject in, allow across the bridge.
    `insert rule ip libvirt_network guest_output iif "${bridge}" counter reject`,
    libvirtNftRejectIn(bridge),
    `insert rule ip libvirt_network guest_cross iif "${bridge}" oif "${bridge}" counter accept`,
    // nftablesAddMasqueradingFirewallRules.
    `insert rule ip libvirt_network guest_output ip saddr ${subnet} iif "${bridge}" counter accept`,
    `insert rule ip libvirt_network guest_input oif "${bridge}" ip daddr ${subnet} ct state related,established counter accept`,
    `insert rule ip libvirt_network guest_nat ip saddr ${subnet} ip daddr != ${subnet} counter masquerade`,
    `insert rule ip libvirt_network guest_nat meta l4proto udp ip saddr ${subnet} ip daddr != ${subnet} counter masquerade to :1024-65535`,
    `insert rule ip libvirt_network guest_nat meta l4proto tcp ip saddr ${subnet} ip daddr != ${subnet} counter masquerade to :1024-65535`,
    `insert rule ip libvirt_network guest_nat ip saddr ${subnet} ip daddr 255.255.255.255/32 counter return`,
    `insert rule ip libvirt_network guest_nat ip saddr ${subnet} ip daddr 224.0.0.0/24 counter return`,
    '',
  ].join('\n');
}

/** libvirt's catch-all reject of new connections into `bridge`; inserted again on top when it restarts the network. */
export const libvirtNftRejectIn = (bridge: string) => `insert rule ip libvirt_network guest_input oif "${bridge}" counter reject`;
