import { describe, expect, it } from 'vitest';
import { formatInterfacesFile, isAuto, parseInterfacesFile, stanzasOf, withInterface } from './interfaces-file';

// Debian 12's installer writes this; Proxmox VE 8's installer the second (with its bridge).
const DEBIAN = `# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug enp1s0
iface enp1s0 inet dhcp
# This is an autoconfigured IPv6 interface
iface enp1s0 inet6 auto
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

iface wlp2s0 inet manual

source /etc/network/interfaces.d/*
`;

describe('parseInterfacesFile', () => {
  it('reads stanzas, options and auto lines, and writes the file back byte for byte', () => {
    for (const text of [DEBIAN, PROXMOX]) expect(formatInterfacesFile(parseInterfacesFile(text))).toBe(text);
    const blocks = parseInterfacesFile(PROXMOX);
    expect(stanzasOf(blocks, 'vmbr0')).toEqual([
      expect.objectContaining({
        family: 'inet',
        method: 'static',
        options: [
          { key: 'address', value: '192.168.10.2/24' },
          { key: 'gateway', value: '192.168.10.1' },
          { key: 'bridge-ports', value: 'eno1' },
          { key: 'bridge-stp', value: 'off' },
          { key: 'bridge-fd', value: '0' },
        ],
      }),
    ]);
    expect(isAuto(blocks, 'vmbr0')).toBe(true);
    expect(isAuto(blocks, 'eno1')).toBe(false);
    // Both families of one interface; allow-hotplug is not auto.
    const debian = parseInterfacesFile(DEBIAN);
    expect(stanzasOf(debian, 'enp1s0').map((s) => `${s.family} ${s.method}`)).toEqual(['inet dhcp', 'inet6 auto']);
    expect(isAuto(debian, 'enp1s0')).toBe(false);
  });

  it('joins continued lines and keeps a comment between options inside the stanza', () => {
    const text = 'iface br1 inet static\n  address 10.0.0.1/24\n  # the uplink\n  bridge-ports eth1 \\\n    eth2\n\n# end\n';
    const blocks = parseInterfacesFile(text);
    expect(stanzasOf(blocks, 'br1')[0]!.options).toEqual([
      { key: 'address', value: '10.0.0.1/24' },
      { key: 'bridge-ports', value: 'eth1 eth2' },
    ]);
    expect(formatInterfacesFile(blocks)).toBe(text);
    // The blank line and the comment after the last option are not the stanza's.
    expect(stanzasOf(blocks, 'br1')[0]!.lines.at(-1)).toBe('    eth2');
  });
});

describe('withInterface', () => {
  it('replaces one interface in place, leaving every other line as the admin wrote it', () => {
    const edited = formatInterfacesFile(withInterface(parseInterfacesFile(PROXMOX), 'vmbr0', ['auto vmbr0', 'iface vmbr0 inet static', '\taddress 192.168.10.3/24', '\tbridge-ports eno1', '\tbridge-stp off', '\tbridge-fd 0']));
    expect(edited).toBe(PROXMOX.replace('\taddress 192.168.10.2/24\n\tgateway 192.168.10.1\n', '\taddress 192.168.10.3/24\n'));
  });

  it('adds a new interface at the end, after a blank line, and removes one with its auto line', () => {
    const added = formatInterfacesFile(withInterface(parseInterfacesFile(DEBIAN), 'br5', ['auto br5', 'iface br5 inet manual', '    bridge-ports none']));
    expect(added).toBe(`${DEBIAN}\nauto br5\niface br5 inet manual\n    bridge-ports none\n`);
    const removed = formatInterfacesFile(withInterface(parseInterfacesFile(PROXMOX), 'vmbr0', null));
    expect(removed).not.toMatch(/vmbr0/);
    expect(removed).toContain('iface eno1 inet manual');
    // Another name on the same auto line stays.
    expect(formatInterfacesFile(withInterface(parseInterfacesFile('auto lo eth0\niface eth0 inet dhcp\n'), 'eth0', null))).toBe('auto lo\n');
  });

  it('takes out every family of the interface (an inet and an inet6 stanza become one new stanza)', () => {
    const edited = formatInterfacesFile(withInterface(parseInterfacesFile(DEBIAN), 'enp1s0', ['iface enp1s0 inet static', '    address 198.18.0.5/24']));
    expect(edited).toContain('iface enp1s0 inet static\n    address 198.18.0.5/24\n');
    expect(edited).not.toContain('inet6 auto');
    expect(edited).not.toContain('allow-hotplug enp1s0');
  });
});
