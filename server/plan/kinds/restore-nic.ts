import { z } from 'zod';
import { parseDomain } from '@/server/topology/parse/virsh';
import { cmdWithDocuments } from '../commands';
import { checkDocument } from '../documents';
import { ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { ZVmName } from '../libvirt';
import { deviceCommand, macsInUse, needVm, nicDifferences, plugDeferred, plugsLive, sameMac, updateVm, vmNamed, isRunning } from '../vm-nics';

/** A detached NIC put back from libvirt's own elements, live and kept (only inverses draft these). */
export const restoreNicSchema = z.object({
  kind: z.literal('restoreNic'),
  vm: ZVmName,
  mac: ZMac,
  live: z.string().max(64 * 1024).optional(),
  kept: z.string().max(64 * 1024).optional(),
});

/** The NIC an element describes, read as the probe reads it. */
const nicOfElement = (vm: string, xml: string) => parseDomain(`<domain><name>${vm}</name><uuid>00000000-0000-4000-8000-000000000000</uuid><devices>${xml}</devices></domain>`).nics[0]!;

export const restoreNic = defineKind({
  schema: restoreNicSchema,
  describe: (op) => `put back NIC ${op.mac} of ${op.vm} as it was`,
  interfaces: () => [],
  phase: () => PHASES.join,
  validate(op, c) {
    const vm = needVm(c, op.vm);
    if (!vm) return;
    if (!op.live && !op.kept) c.errors.push('Nothing to put back: neither the running nor the kept NIC was given.');
    for (const xml of [op.live, op.kept]) {
      if (!xml) continue;
      try {
        checkDocument({ shape: 'libvirt-interface', text: xml });
        if (nicOfElement(op.vm, xml).mac !== op.mac) c.errors.push(`The NIC given is not ${op.mac}.`);
      } catch (err) {
        c.errors.push(`The NIC ${op.mac} cannot be put back: ${(err as Error).message}.`);
      }
    }
    // The running VM may still hold it (a guest that has not let go, a machine without hot-plug): then only the kept NIC comes back.
    const stillLive = vm.nics.some((n) => sameMac(n.mac, op.mac)) && !(vm.configNics ?? []).some((n) => sameMac(n.mac, op.mac));
    const holder = macsInUse(c.t).get(op.mac);
    if (holder && !stillLive) c.errors.push(`MAC ${op.mac} is already used by ${holder} on this host.`);
  },
  project(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const nic = (xml: string) => ({ ...nicOfElement(op.vm, xml), xml });
    return updateVm(t, op.vm, (v) => ({
      ...v,
      nics: op.live && plugsLive(vm) && !v.nics.some((n) => sameMac(n.mac, op.mac)) ? [...v.nics, nic(op.live)] : !isRunning(vm) && op.kept ? [...v.nics, nic(op.kept)] : v.nics,
      configNics: op.kept ? [...(v.configNics ?? []), nic(op.kept)] : v.configNics,
    }));
  },
  render(op, t) {
    const vm = vmNamed(t, op.vm)!;
    return [
      ...(op.kept ? [cmdWithDocuments(deviceCommand('attach-device', op.vm, '--config'), [deviceCommand('detach-device', op.vm, '--config')], [{ shape: 'libvirt-interface', text: op.kept }])] : []),
      ...(op.live && plugsLive(vm) && !vm.nics.some((n) => sameMac(n.mac, op.mac)) ? [cmdWithDocuments(deviceCommand('attach-device', op.vm, '--live'), [deviceCommand('detach-device', op.vm, '--live')], [{ shape: 'libvirt-interface', text: op.live }])] : []),
    ];
  },
  invert: (op) => [{ kind: 'detachNic', vm: op.vm, mac: op.mac }],
  deferred: (op, before) => plugDeferred(vmNamed(before, op.vm)),
  verify: (op, intended, after) => nicDifferences(op.vm, op.mac, intended, after),
});
