// Field schemas shared by the operation kinds (plan/kinds/): names, ids, MTUs, MACs, addresses,
// routes, bridge VLANs. Each refusal is a sentence about the value, for people.
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
export const ZBareIp = z.string().max(64).refine((a) => typeof parseCidr(`${a}/${a.includes(':') ? 128 : 32}`) !== 'string', 'That is not an IP address.');
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
