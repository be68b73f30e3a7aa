import { z } from 'zod';
import { cmdWithDocuments } from '../commands';
import { ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { ZVmName } from '../libvirt';
import { deviceCommand, isRunning, needVm, nicDifferences, nicsOf, plugsLive, reattachable, sameMac, unplugDeferred, unplugsNow, updateVm, vmNamed } from '../vm-nics';

export const detachNicSchema = z.object({ kind: z.literal('detachNic'), vm: ZVmName, mac: ZMac });

export const detachNic = defineKind({
  schema: detachNicSchema,
  describe: (op) => `detach NIC ${op.mac} from ${op.vm}`,
  interfaces: () => [],
  phase: () => PHASES.remove,
  validate(op, c) {
    const vm = needVm(c, op.vm);
    if (!vm || c.errors.length) return;
    const { live, kept } = nicsOf(vm, op.mac);
    if (!live && !kept) c.errors.push(`${op.vm} has no NIC ${op.mac}.`);
    if ((live && !live.xml) || (kept && !kept.xml)) c.errors.push(`${op.vm}'s NIC ${op.mac} could not be read as libvirt wrote it, so it could not be put back exactly; refresh the host.`);
  },
  project(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const gone = (nics: typeof vm.nics) => nics.filter((n) => !sameMac(n.mac, op.mac));
    // Without hot-plug the running VM keeps it until it restarts; a paused one until it runs.
    const live = unplugsNow(vm);
    // A VM that is not running reads as its kept definition: its NICs are those.
    const withoutNic = updateVm(t, op.vm, (v) => ({ ...v, nics: live || !isRunning(vm) ? gone(v.nics) : v.nics, configNics: v.configNics && gone(v.configNics) }));
    const tap = live ? nicsOf(vm, op.mac).live?.target : undefined;
    return tap ? { ...withoutNic, interfaces: withoutNic.interfaces.filter((i) => i.name !== tap) } : withoutNic;
  },
  render(op, t) {
    const vm = vmNamed(t, op.vm)!;
    const { live, kept } = nicsOf(vm, op.mac);
    return [
      // Each from its own element, so what goes back is exactly what libvirt had (PCI slot included).
      ...(live && plugsLive(vm)
        ? [cmdWithDocuments(deviceCommand('detach-device', op.vm, '--live'), [deviceCommand('attach-device', op.vm, '--live')], [{ shape: 'libvirt-interface', text: reattachable(live.xml!) }])]
        : []),
      ...(kept ? [cmdWithDocuments(deviceCommand('detach-device', op.vm, '--config'), [deviceCommand('attach-device', op.vm, '--config')], [{ shape: 'libvirt-interface', text: kept.xml! }])] : []),
    ];
  },
  invert(op, before) {
    const vm = vmNamed(before, op.vm)!;
    const { live, kept } = nicsOf(vm, op.mac);
    return [{ kind: 'restoreNic', vm: op.vm, mac: op.mac, live: live?.xml ? reattachable(live.xml) : undefined, kept: kept?.xml ?? undefined }];
  },
  deferred: (op, before) => unplugDeferred(vmNamed(before, op.vm)),
  verify: (op, intended, after) => nicDifferences(op.vm, op.mac, intended, after),
});
