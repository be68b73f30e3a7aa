// Setting a link down: the kernel drops every route via it and its IPv6 addresses (observed in
// a network namespace, restore.ts), so the undo puts them back after the link is up.
import { describe, expect, it } from 'vitest';
import { hostTopology, ifaceOf } from '../fixtures';
import { renderOperation } from '../render';
import { applyOperation } from '../project';
import { invertOperation } from '../invert';

const withIpv6 = () => {
  const t = hostTopology();
  const br0 = ifaceOf(t, 'br0');
  br0.addresses.push({ family: 'inet6', address: 'fd00:1::11', prefixLength: 64, scope: 'global', dynamic: false });
  return t;
};

describe('setLinkState down', () => {
  it('undoes with the link up, then its IPv6 addresses and static routes', () => {
    const [command] = renderOperation({ kind: 'setLinkState', dev: 'br0', up: false }, withIpv6());
    expect(command!.argv).toEqual(['ip', 'link', 'set', 'dev', 'br0', 'down']);
    expect(command!.inverse.map((a) => a.join(' '))).toEqual([
      'ip link set dev br0 up',
      'ip address add fd00:1::11/64 dev br0',
      'ip route add 203.0.113.0/24 via 198.18.1.1 dev br0 proto static',
    ]);
  });

  it('projects what the kernel drops: routes via the link and its IPv6 addresses, not its IPv4 ones', () => {
    const after = applyOperation(withIpv6(), { kind: 'setLinkState', dev: 'br0', up: false });
    expect(after.routes.filter((r) => r.dev === 'br0')).toEqual([]);
    expect(ifaceOf(after, 'br0').addresses.filter((a) => a.scope !== 'link').map((a) => a.address)).toEqual(['198.18.1.11']);
    expect(after.routes.some((r) => r.dev === 'eth0')).toBe(true);
  });

  it('Revert puts back the link, the IPv6 address and the static route', () => {
    expect(invertOperation({ kind: 'setLinkState', dev: 'br0', up: false }, withIpv6())).toEqual([
      { kind: 'setLinkState', dev: 'br0', up: true },
      { kind: 'addAddress', dev: 'br0', address: 'fd00:1::11/64' },
      { kind: 'restoreRoutes', dev: 'br0', routes: [expect.objectContaining({ dst: '203.0.113.0/24', gateway: '198.18.1.1', dev: 'br0' })] },
    ]);
  });

  it('a link already down loses nothing more', () => {
    const t = hostTopology();
    expect(renderOperation({ kind: 'setLinkState', dev: 'veth-b', up: false }, t)[0]!.inverse).toEqual([['ip', 'link', 'set', 'dev', 'veth-b', 'down']]);
  });
});
