// MAC addresses across the fleet: a new VM NIC gets one no host uses (VM NICs, live and kept,
// and interfaces, as each host was last read, plus what drafts already hold), and a MAC another
// host uses is refused.
import { randomBytes } from 'node:crypto';
import type { Db } from '@/server/db/client';
import { ZOperation, type Operation } from '@/server/plan/ops';
import { macsInUse } from '@/server/plan/vm-nics';
import { latestTopology } from '@/server/topology/refresh';

/** Every MAC the fleet uses, with who uses it ("VM web1 on hv1"); `except` leaves one host (and its draft) out. */
export async function fleetMacs(db: Db, except?: string): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  const hosts = await db.host.findMany({ where: except ? { id: { not: except } } : {}, select: { id: true, name: true } });
  const names = new Map(hosts.map((h) => [h.id, h.name]));
  for (const host of hosts) {
    const latest = await latestTopology(db, host.id);
    if (latest) for (const [mac, who] of macsInUse(latest.topology)) used.set(mac, `${who} on ${host.name}`);
  }
  for (const row of await db.draftOperation.findMany({ where: { hostId: { in: [...names.keys()] } }, select: { operation: true, hostId: true } })) {
    const op = ZOperation.safeParse(JSON.parse(row.operation));
    if (op.success && op.data.kind === 'attachNic' && op.data.mac) used.set(op.data.mac, `a NIC drafted for ${op.data.vm} on ${names.get(row.hostId)}`);
  }
  return used;
}

/**
 * Per operation, the MACs it would give a NIC that another host of the fleet already uses (or
 * has drafted): one MAC twice breaks both NICs wherever their traffic meets.
 */
export async function fleetMacConflicts(db: Db, hostId: string, operations: readonly Operation[]): Promise<string[][]> {
  const macOf = (op: Operation) => (op.kind === 'attachNic' || op.kind === 'restoreNic' ? op.mac : undefined);
  if (!operations.some(macOf)) return operations.map(() => []);
  const used = await fleetMacs(db, hostId);
  return operations.map((op) => {
    const mac = macOf(op);
    const holder = mac ? used.get(mac) : undefined;
    return holder ? [`MAC ${mac} is already used by ${holder}; one MAC on two NICs breaks both wherever their traffic meets. Leave the MAC empty and the panel picks a free one.`] : [];
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
