import { describe, expect, it } from 'vitest';
import { formatUnitFile, lastValueOf, parseUnitFile, valuesOf, withoutSections, withSection, withValues } from './unit-file';

const ORDER = ['Match', 'Link', 'Network', 'Route'];

const ADMIN = `# uplink, see ticket 42
[Match]
Name=eth0

[Network]
; addresses from IPAM
Address=192.0.2.10/24
DNS=192.0.2.53 \\
    192.0.2.54
Address=192.0.2.11/24

# the upstream router
[Route]
Gateway=192.0.2.1
`;

describe('unit files as systemd-networkd reads them', () => {
  it('reads sections, repeated keys, continued lines and both comment styles, and writes them back byte for byte', () => {
    const file = parseUnitFile(ADMIN);
    expect(formatUnitFile(file)).toBe(ADMIN);
    expect(valuesOf(file, 'Network', 'Address')).toEqual(['192.0.2.10/24', '192.0.2.11/24']);
    expect(valuesOf(file, 'Network', 'DNS')).toEqual(['192.0.2.53      192.0.2.54']);
    expect(lastValueOf(file, 'Route', 'Gateway')).toBe('192.0.2.1');
    // A "#" after a value is part of it; an empty assignment clears a list.
    expect(valuesOf(parseUnitFile('[Match]\nName=eth0 # not a comment\n'), 'Match', 'Name')).toEqual(['eth0 # not a comment']);
    expect(valuesOf(parseUnitFile('[Network]\nAddress=10.0.0.1/8\nAddress=\nAddress=10.0.0.2/8\n'), 'Network', 'Address')).toEqual(['10.0.0.2/8']);
  });

  it('replaces a key where it first was and keeps every other line; the same object when nothing changes', () => {
    const file = parseUnitFile(ADMIN);
    const edited = withValues(file, 'Network', 'Address', ['192.0.2.12/24'], ORDER);
    expect(formatUnitFile(edited)).toBe(ADMIN.replace('Address=192.0.2.10/24', 'Address=192.0.2.12/24').replace('Address=192.0.2.11/24\n', ''));
    expect(withValues(file, 'Network', 'Address', ['192.0.2.10/24', '192.0.2.11/24'], ORDER)).toBe(file);
  });

  it('adds a key after the section’s last setting, a missing section in its place, and drops a section it empties', () => {
    const file = parseUnitFile('[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n');
    const withMtu = withValues(withValues(file, 'Network', 'VLAN', ['eth0.5'], ORDER), 'Link', 'MTUBytes', ['9000'], ORDER);
    expect(formatUnitFile(withMtu)).toBe('[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nDHCP=yes\nVLAN=eth0.5\n');
    expect(formatUnitFile(withValues(withMtu, 'Link', 'MTUBytes', [], ORDER))).toBe('[Match]\nName=eth0\n\n[Network]\nDHCP=yes\nVLAN=eth0.5\n');
    const routed = withSection(file, 'Route', [['Gateway', '192.0.2.1']], ORDER);
    expect(formatUnitFile(routed)).toBe('[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n\n[Route]\nGateway=192.0.2.1\n');
    expect(formatUnitFile(withoutSections(routed, (s) => s.name === 'Route'))).toBe('[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n');
  });
});
