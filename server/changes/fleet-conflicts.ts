// MACs and addresses across the fleet: a new VM NIC gets a MAC no host uses (VM NICs, live and
// kept, and interfaces, as each host was last read, plus what drafts already hold), and a MAC or
// a host address another host uses is refused.
import { randomBytes } from 'node:crypto';
import type { Db } from '@/server/db/client';
import { ZOperation, type Operation } from '@/server/plan/ops';
import { addressHolders } from '@/server/plan/conflicts';
import { normalIp } from '@/server/plan/subnets';
import { macsInUse } from '@/server/plan/vm-nics';
import { hostTopologies } from '@/server/topology/refresh';

/** Every MAC the fleet uses, with who uses it ("VM web1 on hv1"); `except` leaves one host (and its draft) out. */
export async function fleetMacs(db: Db, except?: string): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  const hosts = await hostTopologies(db, { except });
  for (const host of hosts) for (const [mac, who] of macsInUse(host.topology)) used.set(mac, `${who} on ${host.name}`);
  // Drafts of hosts not read yet count too.
  const names = new Map((await db.host.findMany({ where: except ? { id: { not: except } } : {}, select: { id: true, name: true } })).map((h) => [h.id, h.name]));
  for (const row of await db.draftOperation.findMany({ where: { hostId: { in: [...names.keys()] } }, select: { operation: true, hostId: true } })) {
    const op = ZOperation.safeParse(JSON.parse(row.operation));
    if (op.success && op.data.kind === 'attachNic' && op.data.mac) used.set(op.data.mac, `a NIC drafted for ${op.data.vm} on ${names.get(row.hostId)}`);
  }
  return used;
}

/** Host addresses of the other hosts that can meet this one's on a wire (not private libvirt bridges). */
async function fleetAddresses(db: Db, except: string): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const host of await hostTopologies(db, { except })) {
    for (const [ip, held] of addressHolders(host)) {
      const shared = held.find((x) => x.shared);
      if (shared) used.set(ip, `${shared.holder.words} on ${host.name}`);
    }
  }
  return used;
}

/**
 * Per operation, what it would put on this host that another host of the fleet already has:
 * a NIC's or interface's MAC (or one drafted there), or a host address. Either breaks both
 * wherever their traffic meets.
 */
export async function fleetConflictsOfOperations(db: Db, hostId: string, operations: readonly Operation[]): Promise<string[][]> {
  const macOf = (op: Operation) => (op.kind === 'attachNic' || op.kind === 'restoreNic' ? op.mac : op.kind === 'setMac' ? op.mac.toLowerCase() : undefined);
  const addressOf = (op: Operation) => (op.kind === 'addAddress' ? normalIp(op.address.split('/')[0]!) : undefined);
  const [macs, addresses] = await Promise.all([
    operations.some(macOf) ? fleetMacs(db, hostId) : new Map<string, string>(),
    operations.some(addressOf) ? fleetAddresses(db, hostId) : new Map<string, string>(),
  ]);
  return operations.map((op) => {
    const mac = macOf(op);
    const macHolder = mac ? macs.get(mac) : undefined;
    const address = addressOf(op);
    const addressHolder = address ? addresses.get(address) : undefined;
    return [
      ...(macHolder ? [`MAC ${mac} is already used by ${macHolder}; one MAC on two NICs breaks both wherever their traffic meets.${op.kind === 'attachNic' ? ' Leave the MAC empty and the panel picks a free one.' : ''}`] : []),
      ...(addressHolder ? [`${address} is already on ${addressHolder}; an address in two places breaks both. Pick another address.`] : []),
    ];
  });
}

/** A locally administered-looking QEMU MAC (52:54:00, as libvirt picks) no host uses. */
export function freeMac(used: ReadonlyMap<string, string>, random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const mac = `52:54:00:${[...random(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    if (!used.has(mac)) return mac;
  }
}

/** Operations as drafted, with a fleet-unique MAC for each new NIC that did not name one. */
export async function withMacs(db: Db, operations: Operation[]): Promise<Operation[]> {
  if (!operations.some((op) => op.kind === 'attachNic' && !op.mac)) return operations;
  const used = await fleetMacs(db);
  return operations.map((op) => {
    if (op.kind !== 'attachNic' || op.mac) return op;
    const mac = freeMac(used);
    used.set(mac, 'this draft');
    return { ...op, mac };
  });
}
