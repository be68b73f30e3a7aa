import { describe, expect, it } from 'vitest';
import { assignableProblem, ipv6Groups, isLoopback, parseCidr } from './address';
import { ZOperation } from './ops';

describe('addresses an interface may not be given', () => {
  it.each([
    ['300.1.1.1/24', /^300\.1\.1\.1 is not an IPv4 address: 300 is more than 255/],
    ['192.0.2.010/24', /leading zero \(010\).*write 10/],
    ['192.0.2.10', /^192\.0\.2\.10 needs a prefix length, like 192\.0\.2\.10\/24/],
    ['192.0.2.10/33', /^\/33 is not a prefix length; for IPv4 it is 0-32/],
    ['2001:db8::1/129', /for IPv6 it is 0-128/],
    ['2001:db8:::1/64', /is not an IPv6 address/],
    ['224.0.0.5/24', /multicast address \(224\.0\.0\.0\/4\)/],
    ['239.255.255.250/32', /multicast/],
    ['255.255.255.255/32', /limited broadcast address/],
    ['240.0.0.1/24', /reserved range 240\.0\.0\.0\/4/],
    ['0.0.0.0/8', /0\.0\.0\.0\/8, which means "this network"/],
    ['0.1.2.3/24', /0\.0\.0\.0\/8/],
    ['192.0.2.10/0', /^\/0 would make every address/],
    ['2001:db8::1/0', /^\/0/],
    ['192.0.2.0/24', /^192\.0\.2\.0 is the network address of 192\.0\.2\.0\/24, not a host address; pick one from 192\.0\.2\.1 to 192\.0\.2\.254/],
    ['192.0.2.255/24', /broadcast address of 192\.0\.2\.0\/24/],
    ['10.1.255.255/16', /broadcast address of 10\.1\.0\.0\/16, not a host address; pick one from 10\.1\.0\.1 to 10\.1\.255\.254/],
    ['198.18.0.63/26', /broadcast address of 198\.18\.0\.0\/26/],
    ['ff02::1/64', /multicast address \(ff00::\/8\)/],
    ['::ffff:192.0.2.1/96', /IPv4-mapped address/],
    ['::ffff:c000:201/128', /IPv4-mapped/],
    ['::/64', /unspecified address/],
  ])('%s', (address, message) => {
    expect(assignableProblem(address)).toMatch(message);
  });

  it.each(['192.0.2.10/24', '10.0.0.0/31', '10.0.0.1/31', '192.0.2.255/32', '198.18.0.62/26', '2001:db8::10/64', 'fe80::1/64', '2001:db8::/64', '::1/128', '127.0.0.1/8'])(
    'accepts %s (point-to-point /31, a /32 host, IPv6 subnet-router anycast; loopback is judged by interface)',
    (address) => {
      expect(assignableProblem(address)).toBeNull();
    },
  );

  it('tells loopback addresses, which only lo may have', () => {
    expect(['127.0.0.1/8', '127.1.2.3/32', '::1/128', '0:0:0:0:0:0:0:1/128'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['128.0.0.1/8', '::2/128', '2001:db8::1/64'].map(isLoopback)).toEqual([false, false, false]);
  });

  it('expands IPv6 spellings to the same groups', () => {
    expect(ipv6Groups('2001:DB8:0:0:0:0:0:1')).toEqual(ipv6Groups('2001:db8::1'));
    expect(ipv6Groups('::ffff:192.0.2.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]);
    expect(ipv6Groups('1::2::3')).toBeNull();
    expect(ipv6Groups('1:2:3:4:5:6:7:8:9')).toBeNull();
    expect(parseCidr('2001:db8::1/64')).toEqual({ family: 'inet6', address: '2001:db8::1', prefixLength: 64 });
  });

  it('refuses them at the schema, naming the address, while removal takes any address the kernel holds', () => {
    const add = ZOperation.safeParse({ kind: 'addAddress', dev: 'eth0', address: '300.1.1.1/24' });
    expect(add.success).toBe(false);
    expect(add.error!.issues.map((i) => i.message)).toEqual(['300.1.1.1 is not an IPv4 address: 300 is more than 255, the largest value of an octet.']);
    expect(ZOperation.safeParse({ kind: 'removeAddress', dev: 'eth0', address: '192.0.2.0/24' }).success).toBe(true);
    expect(ZOperation.safeParse({ kind: 'addAddress', dev: 'eth0', address: '192.0.2.0/24' }).success).toBe(false);
  });
});
