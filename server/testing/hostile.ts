// Hostile input for the fuzz tests: every field of an operation gets shell metacharacters,
// option-looking strings, overlong and unicode text, out-of-range and non-integer numbers, and
// values of the wrong type, mixed with valid values so that some operations get through the
// schema and reach validation, rendering and the runner. Test scaffolding only.
import fc from 'fast-check';
import { CREATABLE_MODES } from '@/server/plan/libvirt';
import { DRAFTABLE_KINDS } from '@/server/changes/changes.types';
import { BOND_MODES } from '@/server/plan/ops';

/** Whatever a successful injection would create. Tests check that it never appears. */
export const fuzzMarker = (tag: string) => `/tmp/sb-fuzz-marker-${tag}`;

export function hostileStrings(marker: string): string[] {
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `;touch ${marker}`,
    `|touch ${marker}`,
    `&&touch ${marker}`,
    `\ntouch ${marker}\n`,
    `x' ; touch ${marker} ; '`,
    `x" ; touch ${marker} ; "`,
    `-oProxyCommand=touch ${marker}`,
    `--help`,
    `-f`,
    `../../../../etc/passwd`,
    `eth0 type bridge`,
    `br0\u0000x`,
    'a'.repeat(16),
    'a'.repeat(5000),
    'é',
    '💥',
    '',
    ' ',
    'lo',
    'all',
    'default',
    '.',
    '..',
    '0x10',
    '1e3',
    'NaN',
    '{"a":1}',
    '<x/>',
    '%s%n',
    '${IFS}',
    '*',
    '192.0.2.1/24;reboot',
  ];
}

export const hostileString = (marker: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...hostileStrings(marker)) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }) },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{1,17}$/) },
  );

export const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1, 67, 68, 1500, 9000, 65535, 65536, 4094, 4095, 2 ** 31, Number.MAX_SAFE_INTEGER, 1.5, -0),
);

/** A value of any JSON type, hostile where it can be. */
export const anyValue = (marker: string): fc.Arbitrary<unknown> =>
  fc.oneof(hostileString(marker), hostileNumber, fc.boolean(), fc.constant(null), fc.array(hostileString(marker), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), hostileString(marker), { maxKeys: 2 }));

/** Valid-looking, hostile or wrongly typed: what each field of an operation gets. */
const field = <T>(marker: string, valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 2, arbitrary: anyValue(marker) });

/**
 * An operation-shaped object. `names` are interfaces that exist on the target (so some
 * operations validate); new names come from a small valid alphabet. `kinds`: the kinds drawn
 * (every draftable one unless a test aims at a few).
 */
export function hostileOperation(marker: string, names: readonly string[], kinds: readonly string[] = DRAFTABLE_KINDS): fc.Arbitrary<Record<string, unknown>> {
  const existing = fc.constantFrom(...names);
  const fresh = fc.stringMatching(/^sbz[a-z0-9]{1,6}$/);
  const anyName = fc.oneof(existing, fresh);
  const address = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 40 })).map(([a, b, p]) => `${a}.${b}.7.9/${p}`),
    fc.constantFrom('10.77.0.1/24', '2001:db8::5/64', '224.0.0.1/24', '0.0.0.0/0', '127.0.0.2/8', '::ffff:10.0.0.1/96', '10.77.0.0/24', '10.77.0.255/24', 'fe80::1/64'),
  );
  return fc.record(
    {
      // Kinds people may draft (the others are refused whatever their fields: tested with their kinds).
      kind: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...kinds) }, { weight: 1, arbitrary: anyValue(marker) }),
      name: field(marker, anyName),
      dev: field(marker, anyName),
      master: field(marker, anyName),
      peer: field(marker, fresh),
      // An interface (a VLAN's parent), or a tc parent (an HTB class's, a filter's).
      parent: field(marker, fc.oneof({ weight: 4, arbitrary: existing }, { weight: 1, arbitrary: fc.constantFrom('1:', '1:1', '1:10', '10:', 'ffff:', '1:0') })),
      members: field(marker, fc.array(existing, { maxLength: 3 })),
      vlanId: field(marker, fc.integer({ min: -2, max: 5000 })),
      mtu: field(marker, fc.integer({ min: 0, max: 70000 })),
      mac: field(marker, fc.constantFrom('02:00:5e:10:00:01', '01:00:5e:00:00:01', '00:00:00:00:00:00', '02:00:5E:AA:BB:CC', '02-00-5e-10-00-01')),
      address: field(marker, address),
      up: field(marker, fc.boolean()),
      stp: field(marker, fc.boolean()),
      vlanFiltering: field(marker, fc.boolean()),
      mode: field(marker, fc.constantFrom(...BOND_MODES, ...CREATABLE_MODES)),
      // The libvirt and forwarding kinds' fields: names that exist on the lab host and new ones.
      network: field(marker, fc.oneof(fc.constantFrom('default', 'isolated', 'routed'), fresh)),
      vm: field(marker, fc.constantFrom('web1', 'db1', 'build1', 'sbznovm')),
      bridge: field(marker, anyName),
      family: field(marker, fc.constantFrom('ipv4', 'ipv6')),
      enabled: field(marker, fc.boolean()),
      active: field(marker, fc.boolean()),
      autostart: field(marker, fc.boolean()),
      ip: field(marker, fc.constantFrom('198.19.122.50', '10.77.0.5', '2001:db8::5', '999.1.1.1')),
      ipv4: field(
        marker,
        fc.record({
          address: fc.constantFrom('10.77.0.1', '10.77.0.0', '198.19.122.1'),
          prefixLength: fc.integer({ min: 0, max: 33 }),
          dhcpRanges: fc.array(fc.record({ start: fc.constantFrom('10.77.0.100', '10.78.0.1'), end: fc.constantFrom('10.77.0.199', '10.77.0.50') }), { maxLength: 2 }),
        }),
      ),
      definition: field(marker, fc.constantFrom('<network><name>sbzx</name><uuid>00000000-0000-4000-8000-000000000009</uuid></network>', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/shadow">]><network>&e;</network>')),
      vlans: field(marker, fc.array(fc.record({ vid: fc.integer({ min: 0, max: 5000 }), pvid: fc.boolean(), untagged: fc.boolean() }), { maxLength: 4 })),
      // The Open vSwitch kinds' fields (issue 13's API).
      port: field(marker, anyName),
      tag: field(marker, fc.oneof(fc.integer({ min: -1, max: 5000 }), fc.constant(null))),
      trunks: field(marker, fc.array(fc.integer({ min: -1, max: 5000 }), { maxLength: 4 })),
      internal: field(marker, fc.boolean()),
      type: field(marker, fc.constantFrom('vxlan', 'gre', 'geneve', 'ipip', 'internal')),
      remote: field(marker, fc.constantFrom('198.18.0.12', '239.1.1.1', '127.0.0.1', '2001:db8::12', '198.18.0.256')),
      key: field(marker, fc.oneof(fc.integer({ min: -1, max: 2 ** 32 }), fc.constant(100))),
      dstPort: field(marker, fc.integer({ min: 0, max: 70000 })),
      // The HTB class and tc filter kinds' fields (issue 13's API): ids tc prints and ones it does not.
      classid: field(marker, fc.constantFrom('1:10', '1:20', '1:30', '1:40', '1:1', '1:a0', '2:10', '1:0', '1:0a', '1:A', 'ffff:ffff')),
      rateKbit: field(marker, fc.oneof(fc.integer({ min: 0, max: 200_000_000 }), fc.constantFrom(1000, 5000, 20000, 1234567))),
      ceilKbit: field(marker, fc.oneof(fc.integer({ min: 0, max: 200_000_000 }), fc.constantFrom(1000, 20000))),
      burstBytes: field(marker, fc.integer({ min: 0, max: 50_000_000 })),
      prio: field(marker, fc.integer({ min: -1, max: 9 })),
      leaf: field(
        marker,
        fc.oneof(
          fc.constantFrom({ kind: 'fq_codel' }, { kind: 'sfq' }, { kind: 'tbf' }),
          fc.record({ kind: fc.constant('pfifo'), limitPackets: fc.integer({ min: -1, max: 2_000_000 }) }, { requiredKeys: ['kind'] }),
          fc.record({ kind: fc.constant('netem'), delayMs: fc.integer({ min: -1, max: 70_000 }), jitterMs: fc.integer({ min: 0, max: 200 }), [marker.length % 2 ? 'delay_ms' : 'extra']: hostileString(marker) }, { requiredKeys: ['kind', 'delayMs'] }),
        ),
      ),
      pref: field(marker, fc.integer({ min: -1, max: 70_000 })),
      // A filter's (ip, ipv6, all) and a port forward's (tcp, udp).
      protocol: field(marker, fc.constantFrom('ip', 'ipv6', 'all', 'arp', '802.1Q', 'tcp', 'udp')),
      match: field(
        marker,
        fc.record(
          {
            src: fc.oneof(address, fc.constantFrom('10.0.0.0/8', '10.0.0.5', '2001:db8::/32', '2001:DB8::1')),
            dst: fc.oneof(address, fc.constantFrom('10.0.0.0/24', '2001:db8:5::/48')),
            ipProto: fc.oneof(fc.constantFrom('tcp', 'udp', 'icmp', 'gre'), fc.integer({ min: -1, max: 300 })),
            srcPort: fc.integer({ min: 0, max: 70_000 }),
            dstPort: fc.integer({ min: 0, max: 70_000 }),
          },
          { requiredKeys: [] },
        ),
      ),
      // setQdisc's settings: in and out of range, and fields of another kind or hostile ones.
      qdisc: field(
        marker,
        fc.oneof(
          fc.record(
            {
              kind: fc.constant('netem'),
              delayMs: fc.oneof(fc.integer({ min: -1, max: 70000 }), fc.double({ min: 0, max: 100, noNaN: true })),
              jitterMs: fc.integer({ min: 0, max: 200 }),
              lossPercent: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double({ min: 0, max: 100, noNaN: true })),
              reorderPercent: fc.integer({ min: 0, max: 100 }),
              rateKbit: fc.integer({ min: 0, max: 200_000_000 }),
            },
            { requiredKeys: ['kind'] },
          ),
          fc.record(
            { kind: fc.constant('tbf'), rateKbit: fc.integer({ min: 0, max: 200_000_000 }), burstBytes: fc.integer({ min: 0, max: 50_000_000 }), latencyMs: fc.integer({ min: 0, max: 20_000 }) },
            { requiredKeys: ['kind', 'rateKbit'] },
          ),
          fc.record({ kind: fc.constant('htb'), defaultClass: fc.oneof(fc.constantFrom('1:20', '20', '1:0', '2:20', 'ffff'), hostileString(marker)) }, { requiredKeys: ['kind'] }),
          fc.record({ kind: fc.constant('pfifo'), limitPackets: fc.integer({ min: -1, max: 2_000_000 }) }, { requiredKeys: ['kind'] }),
          fc.constant({ kind: 'fq_codel' }),
          fc.record({ kind: fc.constant('netem'), delayMs: fc.constant(5), [marker.length % 2 ? 'delay_ms' : 'extra']: hostileString(marker) }),
        ),
      ),
    },
    { requiredKeys: ['kind'] },
  );
}
