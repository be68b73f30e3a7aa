// The operations an operator can draft against a host's network. Pure data, validated by zod at
// the API boundary; the validator checks them against a topology, the renderer turns them into
// argv. Each kind is one thing a person would name ("connect veth-b to br0"), not a command.
import { z } from 'zod';
import { assignableProblem, parseCidr } from './address';

/**
 * Kernel interface names: at most 15 bytes (IFNAMSIZ - 1), no slash, colon or whitespace. We are
 * stricter than the kernel: a leading dash would read as an option to ip, and '.'/'..' are
 * refused by the kernel anyway (DESIGN.md rule 4).
 */
export const ZIfName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/, 'An interface name is 1-15 characters: letters, digits, dot, dash or underscore, not starting with a dot or dash.');

export const ZVlanId = z.number().int('A VLAN id is a whole number.').min(1, 'A VLAN id is 1-4094.').max(4094, 'A VLAN id is 1-4094.');

/** 68 is IPv4's minimum; 65535 the largest MTU any Linux driver accepts. */
export const MTU_MIN = 68;
export const MTU_MAX = 65535;
export const ZMtu = z.number().int('An MTU is a whole number.').min(MTU_MIN, `An MTU is ${MTU_MIN}-${MTU_MAX}.`).max(MTU_MAX, `An MTU is ${MTU_MIN}-${MTU_MAX}.`);

export const ZMac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'A MAC address looks like 02:00:5e:10:00:01.')
  .transform((m) => m.toLowerCase())
  // The kernel refuses group (multicast) addresses and all-zero for an interface.
  .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, 'That is a multicast MAC address; an interface needs a unicast one (the first byte even).')
  .refine((m) => m !== '00:00:00:00:00:00', 'The all-zero MAC address cannot be assigned.');

/** An address with its prefix length, as `ip address add` takes it (any the kernel holds, so it can be removed). */
export const ZCidr = z.string({ error: 'An address is text, like 192.0.2.10/24.' }).max(64, 'An address is at most 64 characters.').superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** An address that may be given to an interface: also no multicast, broadcast, network or 0.0.0.0 address. */
export const ZAssignableCidr = ZCidr.superRefine((value, ctx) => {
  const problem = typeof parseCidr(value) === 'string' ? null : assignableProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;

/** A route as the host showed it, to be put back exactly (only inverses draft these). */
const ZRouteDst = z.string().max(64).refine((d) => d === 'default' || typeof parseCidr(d.includes('/') ? d : `${d}/${d.includes(':') ? 128 : 32}`) !== 'string', 'A route destination is "default" or an address with its prefix, like 10.0.0.0/8.');
const ZBareIp = z.string().max(64).refine((a) => typeof parseCidr(`${a}/${a.includes(':') ? 128 : 32}`) !== 'string', 'That is not an IP address.');
export const ZRoute = z.object({
  dst: ZRouteDst,
  gateway: ZBareIp.nullable(),
  dev: ZIfName.nullable(),
  protocol: z.string().regex(/^[a-z0-9_-]{1,16}$/, 'A route protocol is a word like static or boot.').nullable(),
  scope: z.string().regex(/^[a-z0-9_-]{1,16}$/, 'A route scope is a word like link or global.').nullable(),
  prefsrc: ZBareIp.nullable(),
  metric: z.number().int().min(0).max(4294967295).nullable(),
});

export const ZBridgeVlan = z.object({ vid: ZVlanId, pvid: z.boolean().default(false), untagged: z.boolean().default(false) });

export const ZOperation = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('createBridge'),
    name: ZIfName,
    stp: z.boolean().default(false),
    vlanFiltering: z.boolean().default(false),
    /** Centiseconds, as the kernel keeps it; unset is the kernel's 15 s. */
    forwardDelayCs: z.number().int('A forward delay is a whole number of centiseconds.').min(0).max(3000, 'A forward delay is at most 30 s.').optional(),
  }),
  z.object({
    kind: z.literal('createBond'),
    name: ZIfName,
    mode: z.enum(BOND_MODES),
    members: z.array(ZIfName).max(16).default([]),
    /** Link monitoring interval in ms; unset is the kernel's (none for most modes). */
    miimon: z.number().int('miimon is a whole number of milliseconds.').min(0).max(100_000).optional(),
  }),
  z.object({ kind: z.literal('createVlan'), name: ZIfName, parent: ZIfName, vlanId: ZVlanId }),
  z.object({ kind: z.literal('createVeth'), name: ZIfName, peer: ZIfName }),
  z.object({ kind: z.literal('createDummy'), name: ZIfName }),
  z.object({ kind: z.literal('deleteInterface'), name: ZIfName }),
  z.object({ kind: z.literal('setMaster'), dev: ZIfName, master: ZIfName }),
  z.object({ kind: z.literal('unsetMaster'), dev: ZIfName }),
  z.object({ kind: z.literal('setMtu'), dev: ZIfName, mtu: ZMtu }),
  z.object({ kind: z.literal('setLinkState'), dev: ZIfName, up: z.boolean() }),
  z.object({ kind: z.literal('setMac'), dev: ZIfName, mac: ZMac }),
  z.object({ kind: z.literal('addAddress'), dev: ZIfName, address: ZAssignableCidr }),
  z.object({ kind: z.literal('removeAddress'), dev: ZIfName, address: ZCidr }),
  z.object({ kind: z.literal('setBridgeVlans'), dev: ZIfName, vlans: z.array(ZBridgeVlan).max(4094) }),
  /** Routes the kernel flushed with an address or a link, put back by an inverse (not offered in the UI). */
  z.object({ kind: z.literal('restoreRoutes'), dev: ZIfName, routes: z.array(ZRoute).min(1).max(1000) }),
]);

export type Operation = z.infer<typeof ZOperation>;
export type OperationKind = Operation['kind'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>;
export type BridgeVlanSetting = z.infer<typeof ZBridgeVlan>;

export const OPERATION_KINDS = ZOperation.options.map((o) => o.shape.kind.value) as OperationKind[];

/** The interface names an operation reads or writes (for management-path and dependency checks). */
export function interfacesOf(op: Operation): string[] {
  switch (op.kind) {
    case 'createBridge':
    case 'createDummy':
    case 'deleteInterface':
      return [op.name];
    case 'createBond':
      return [op.name, ...op.members];
    case 'createVlan':
      return [op.name, op.parent];
    case 'createVeth':
      return [op.name, op.peer];
    case 'setMaster':
      return [op.dev, op.master];
    default:
      return [op.dev];
  }
}

/** One line a person reads in the draft list and the history ("connect veth-b to br0"). */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'createBridge':
      return `create bridge ${op.name}${op.stp ? ' with STP' : ''}${op.vlanFiltering ? ', VLAN filtering on' : ''}${op.forwardDelayCs !== undefined ? `, forward delay ${op.forwardDelayCs / 100} s` : ''}`;
    case 'createBond':
      return `create bond ${op.name} (${op.mode}${op.miimon !== undefined ? `, link checked every ${op.miimon} ms` : ''})${op.members.length ? ` of ${op.members.join(', ')}` : ''}`;
    case 'createVlan':
      return `create VLAN ${op.vlanId} ${op.name} on ${op.parent}`;
    case 'createVeth':
      return `create veth pair ${op.name} ↔ ${op.peer}`;
    case 'createDummy':
      return `create dummy ${op.name}`;
    case 'deleteInterface':
      return `delete ${op.name}`;
    case 'setMaster':
      return `connect ${op.dev} to ${op.master}`;
    case 'unsetMaster':
      return `disconnect ${op.dev} from its bridge or bond`;
    case 'setMtu':
      return `set MTU of ${op.dev} to ${op.mtu}`;
    case 'setLinkState':
      return `set ${op.dev} ${op.up ? 'up' : 'down'}`;
    case 'setMac':
      return `set MAC of ${op.dev} to ${op.mac}`;
    case 'addAddress':
      return `add address ${op.address} to ${op.dev}`;
    case 'removeAddress':
      return `remove address ${op.address} from ${op.dev}`;
    case 'setBridgeVlans':
      return `set VLANs of port ${op.dev} to ${op.vlans.length ? op.vlans.map((v) => `${v.vid}${v.pvid ? ' pvid' : ''}${v.untagged ? ' untagged' : ''}`).join(', ') : 'none'}`;
    case 'restoreRoutes':
      return `put back ${op.routes.length === 1 ? `the route to ${op.routes[0]!.dst}` : `${op.routes.length} routes`} via ${op.dev}`;
  }
}
