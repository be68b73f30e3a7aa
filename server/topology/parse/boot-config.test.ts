import { describe, expect, it } from 'vitest';
import { diffTopology, describeChange } from '../diff';
import { syntheticTopology } from '../synthetic';
import { parseBootConfig, REDACTED } from './boot-config';
import { ProbeParseError } from './errors';

const file = (path: string, content: string) => `file ${Buffer.from(content).toString('base64')} ${path}`;

// Files as the projects ship or document them (Debian's ifupdown, Proxmox's ifupdown2,
// netplan's examples, systemd.netdev's WireGuard example).
const INTERFACES = `# interfaces(5) file used by ifup(8) and ifdown(8)
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
\taddress 198.18.0.11/24
\tgateway 198.18.0.1
`;
const PROXMOX = `auto lo
iface lo inet loopback

iface eno1 inet manual

auto vmbr0
iface vmbr0 inet static
        address 192.168.10.2/24
        gateway 192.168.10.1
        bridge-ports eno1
        bridge-stp off
        bridge-fd 0
`;
const NETPLAN = `network:
  version: 2
  renderer: networkd
  ethernets:
    enp3s0:
      dhcp4: true
  wifis:
    wlp2s0b1:
      access-points:
        "network_ssid_name":
          password: "**********"
`;
const WIREGUARD = `[NetDev]
Name=wg0
Kind=wireguard

[WireGuard]
PrivateKey=EEGlnEPYJV//kbvvIqxKkQwOiS+UENyPncC4bF46ong=
ListenPort=51820

[WireGuardPeer]
PublicKey=RDf+LSpeEre7YEIKaxg+wbpsNV7du+ktR99uBEtIiCA=
PresharedKey=/UwcSPg38hW/D9Y3tcS1FOV0K1wuURMbS0sesJEP5ak=
`;

describe('parseBootConfig: which backend configures the host at boot', () => {
  it.each([
    ['ifupdown with networking.service', ['enabled networking', 'installed ifupdown', file('/etc/network/interfaces', INTERFACES)], 'ifupdown'],
    ['ifupdown2 (Proxmox)', ['enabled networking', 'installed ifupdown2', file('/etc/network/interfaces', PROXMOX)], 'ifupdown2'],
    ['systemd-networkd', ['enabled systemd-networkd', file('/etc/systemd/network/10-eth0.network', '[Match]\nName=eth0\n[Network]\nDHCP=yes\n')], 'networkd'],
    ['netplan over networkd: the YAML is what must be written', ['enabled systemd-networkd', 'installed netplan', file('/etc/netplan/50-cloud-init.yaml', NETPLAN)], 'netplan'],
    ['NetworkManager', ['enabled NetworkManager', 'installed nmcli'], 'networkmanager'],
    ['ifupdown installed but no interfaces file and not enabled', ['installed ifupdown'], 'none'],
    ['nothing at all', [], 'none'],
  ])('%s', (_, lines, backend) => {
    const c = parseBootConfig(lines.join('\n'));
    expect(c.backend).toBe(backend);
    expect(c.reason).not.toBe('');
  });

  it('keeps each file as read, by path', () => {
    const c = parseBootConfig([file('/etc/network/interfaces', INTERFACES), file('/etc/network/interfaces.d/vlan', 'auto eth0.10\n')].join('\n'));
    expect(c.files).toEqual([
      { path: '/etc/network/interfaces', content: INTERFACES },
      { path: '/etc/network/interfaces.d/vlan', content: 'auto eth0.10\n' },
    ]);
  });

  it('leaves secrets out: a WireGuard key in a .netdev, a Wi-Fi password in netplan', () => {
    const c = parseBootConfig([file('/etc/systemd/network/wg0.netdev', WIREGUARD), file('/etc/netplan/01.yaml', NETPLAN)].join('\n'));
    const text = c.files.map((f) => f.content).join('\n');
    expect(text).not.toContain('EEGlnEPYJV');
    expect(text).not.toContain('/UwcSPg38hW');
    expect(text).not.toContain('**********');
    expect(text).toContain(`PrivateKey=${REDACTED}`);
    expect(text).toContain(`password: ${REDACTED}`);
    // Public keys and the rest stay.
    expect(text).toContain('PublicKey=RDf+LSpeEre7YEIKaxg+wbpsNV7du+ktR99uBEtIiCA=');
    expect(text).toContain('ListenPort=51820');
  });

  it('reads what Switchboard keeps for boot (its tc and NAT files, its unit) and whether systemd runs, without changing the backend', () => {
    const tc = '# dev eth1\nqdisc add dev eth1 root handle 1: netem delay 5ms\n';
    const c = parseBootConfig(['installed ifupdown', 'installed systemd', 'enabled networking', file('/etc/network/interfaces', INTERFACES), file('/etc/switchboard/tc.batch', tc)].join('\n'));
    expect(c.backend).toBe('ifupdown');
    expect(c.installed).toEqual(['ifupdown', 'systemd']);
    expect(c.files.find((f) => f.path === '/etc/switchboard/tc.batch')?.content).toBe(tc);
  });

  it('a file too large to read is named, with no content', () => {
    expect(parseBootConfig('file  /etc/network/interfaces').files).toEqual([{ path: '/etc/network/interfaces', content: '' }]);
  });

  it('refuses a line it does not know, naming it', () => {
    expect(() => parseBootConfig('enabled networking\nsomething else')).toThrow(ProbeParseError);
    expect(() => parseBootConfig('something else')).toThrow(/unexpected line "something else"/);
  });
});

describe('boot files in the diff', () => {
  it('names each changed boot file with its size, never the files as JSON', () => {
    const base = syntheticTopology({ uplinks: 1, vlansPerUplink: 0, bridges: 1, vms: 0, nicsPerVm: 0 });
    const withFiles = (content: string) => ({
      ...base,
      host: { ...base.host, bootConfig: { backend: 'ifupdown' as const, reason: 'x', files: [{ path: '/etc/network/interfaces', content }] } },
    });
    const changes = diffTopology(withFiles(INTERFACES), withFiles(`${INTERFACES}auto eth1\niface eth1 inet manual\n`));
    expect(changes.map(describeChange)).toEqual([`host ${base.host.hostname}: boot file /etc/network/interfaces 8 lines → 10 lines`]);
  });
});

describe('parseBootConfig: the devices NetworkManager manages', () => {
  it('reads `nmcli -t -f DEVICE,STATE device status`: every state but unmanaged and externally connected', () => {
    // As NetworkManager 1.42 prints it (':' in a device name escaped as '\:').
    const nmcli = ['eth0:connected', 'virbr0:connected (externally)', 'eth1:disconnected', 'wlan0:unavailable', 'lo:unmanaged', 'odd\\:name:connecting (getting IP configuration)'];
    const c = parseBootConfig(['enabled NetworkManager', 'installed nmcli', ...nmcli.map((l) => `nm-device ${l}`)].join('\n'));
    expect(c.backend).toBe('networkmanager');
    expect(c.nmManaged).toEqual(['eth0', 'eth1', 'wlan0', 'odd:name']);
  });

  it('has no list where NetworkManager does not run', () => {
    expect(parseBootConfig('enabled networking\ninstalled ifupdown').nmManaged).toBeUndefined();
  });
});
