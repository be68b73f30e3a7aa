// MAC addresses across the fleet: a new VM NIC gets one no host uses (VM NICs, live and kept,
// and interfaces, as each host was last read, plus what drafts already hold).
import { randomBytes } from 'node:crypto';
import type { Db } from '@/server/db/client';
import { ZOperation, type Operation } from '@/server/plan/ops';
import { macsInUse } from '@/server/plan/vm-nics';
import { latestTopology } from '@/server/topology/refresh';

/** Every MAC the fleet uses, with who uses it ("VM web1 on hv1"). */
export async function fleetMacs(db: Db): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const host of await db.host.findMany({ select: { id: true, name: true } })) {
    const latest = await latestTopology(db, host.id);
    if (latest) for (const [mac, who] of macsInUse(latest.topology)) used.set(mac, `${who} on ${host.name}`);
  }
  for (const row of await db.draftOperation.findMany({ select: { operation: true } })) {
    const op = ZOperation.safeParse(JSON.parse(row.operation));
    if (op.success && op.data.kind === 'attachNic' && op.data.mac) used.set(op.data.mac, `a drafted NIC of ${op.data.vm}`);
  }
  return used;
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
