import { z } from 'zod';
import { bandwidthInWords, libvirtRateInWords } from '@/server/topology/words';
import { ZMac } from '../fields';
import { defineKind, PHASES } from '../kind';
import { networkNamed, ZVmName } from '../libvirt';
import { bandwidthFields, changeNic, isRunning, modelBandwidth, needNic, nicsOf, updateNicCommands, vmNamed, withBandwidth, ZNicBandwidth } from '../vm-nics';

/** `bandwidth: {}` takes the NIC's shaping off. */
export const setNicBandwidthSchema = z.object({ kind: z.literal('setNicBandwidth'), vm: ZVmName, mac: ZMac, bandwidth: ZNicBandwidth });

const words = (b: z.output<typeof ZNicBandwidth>) => {
  const m = modelBandwidth(b);
  return m ? bandwidthInWords(m) : 'no limit';
};

export const setNicBandwidth = defineKind({
  schema: setNicBandwidthSchema,
  describe: (op) => `shape ${op.vm}'s NIC ${op.mac}: ${words(op.bandwidth)}`,
  interfaces: () => [],
  phase: () => PHASES.configure,
  validate(op, c) {
    const vm = needNic(c, op.vm, op.mac);
    if (!vm || c.errors.length) return;
    const { live, kept } = nicsOf(vm, op.mac);
    const nic = (live ?? kept)!;
    const who = `${op.vm}'s NIC ${op.mac}`;
    if (!['network', 'bridge', 'direct'].includes(nic.type)) c.errors.push(`${who} is a ${nic.type} NIC; libvirt shapes only NICs on a network, a bridge or a macvtap device.`);
    for (const [dir, r] of [['inbound', op.bandwidth.inbound], ['outbound', op.bandwidth.outbound]] as const) {
      if (r?.peak !== undefined && r.peak < r.average) c.errors.push(`The ${dir} peak of ${who} (${libvirtRateInWords(r.peak)}) is below its average (${libvirtRateInWords(r.average)}); a peak is the most it may send in a burst.`);
    }
    const floor = op.bandwidth.inbound?.floor;
    if (floor !== undefined) {
      const net = nic.type === 'network' && nic.source ? networkNamed(c.t, nic.source) : undefined;
      if (nic.type !== 'network') c.errors.push(`A guaranteed rate (floor) works only on a NIC on a libvirt network; ${who} is on ${nic.type} ${nic.source ?? ''}.`.replace(' .', '.'));
      else if (!(net?.bandwidth !== undefined ? net.bandwidth?.inbound : /<bandwidth>[\s\S]*<inbound\b/.test(net?.definition ?? ''))) c.errors.push(`A guaranteed rate (floor) for ${who} needs network ${nic.source} to have an inbound limit to share out; set one on the network first.`);
      if (floor > op.bandwidth.inbound!.average) c.errors.push(`The guaranteed rate of ${who} (${libvirtRateInWords(floor)}) is above its average (${libvirtRateInWords(op.bandwidth.inbound!.average)}).`);
    }
    const want = JSON.stringify(modelBandwidth(op.bandwidth));
    if ([live, kept].every((n) => !n || JSON.stringify(n.bandwidth) === want)) c.errors.push(`${who} is already shaped so (${words(op.bandwidth)}).`);
  },
  project: (op, t) => changeNic(t, op.vm, op.mac, (n) => ({ ...n, bandwidth: modelBandwidth(op.bandwidth), xml: n.xml && withBandwidth(n.xml, op.bandwidth) })),
  render: (op, t) => updateNicCommands(vmNamed(t, op.vm)!, op.mac, (xml) => withBandwidth(xml, op.bandwidth)),
  invert(op, before) {
    const { live, kept } = nicsOf(vmNamed(before, op.vm)!, op.mac);
    return [{ kind: 'setNicBandwidth', vm: op.vm, mac: op.mac, bandwidth: bandwidthFields((live ?? kept)!.bandwidth) }];
  },
  verify(op, intended, after) {
    const want = vmNamed(intended, op.vm);
    const have = vmNamed(after, op.vm);
    if (!want || !have) return [];
    const shown = (n: { bandwidth: Parameters<typeof bandwidthInWords>[0] | null } | undefined) => (n ? (n.bandwidth ? bandwidthInWords(n.bandwidth) : 'no limit') : 'absent');
    const w = nicsOf(want, op.mac);
    const h = nicsOf(have, op.mac);
    const out: string[] = [];
    if (isRunning(have) && shown(w.live) !== shown(h.live)) out.push(`${op.vm}'s NIC ${op.mac} is shaped ${shown(h.live)} while it runs; the plan intended ${shown(w.live)}.`);
    if (shown(w.kept) !== shown(h.kept)) out.push(`${op.vm}'s kept definition shapes NIC ${op.mac} ${shown(h.kept)}; the plan intended ${shown(w.kept)}.`);
    return out;
  },
});
