import { z } from 'zod';
import { ovsIndex } from '@/server/topology/ovs';
import { cmd } from '../commands';
import { ZIfName, ZVlanId } from '../fields';
import { defineKind, PHASES } from '../kind';
import { needOvs, portDifferences, vlanProblem, vlanSettingInWords, vmTapOf, vsctl, withBridgeChanged, ZTrunks } from '../ovs';
import type { Operation } from '../registry';

/**
 * Sets an OVS port's VLANs to exactly these: its access VLAN (tag; null or absent: untagged)
 * and the VLANs it carries as a trunk (absent or empty: none). Its VLAN mode is left as it is.
 * Field names are a stable API (issue 13).
 */
export const setOvsPortVlansSchema = z.object({
  kind: z.literal('setOvsPortVlans'),
  port: ZIfName,
  tag: ZVlanId.nullable().optional(),
  trunks: ZTrunks.optional(),
});
type SetOvsPortVlans = z.output<typeof setOvsPortVlansSchema>;

const wanted = (op: SetOvsPortVlans) => ({ tag: op.tag ?? null, trunks: op.trunks ?? [] });
const placeOf = (t: Parameters<typeof ovsIndex>[0], port: string) => ovsIndex(t).byPort.get(port);
const column = (port: string, name: 'tag' | 'trunks', value: number | readonly number[] | null) =>
  value === null || (Array.isArray(value) && !value.length) ? vsctl('clear', 'port', port, name) : vsctl('set', 'port', port, `${name}=${Array.isArray(value) ? value.join(',') : String(value)}`);

export const setOvsPortVlans = defineKind({
  schema: setOvsPortVlansSchema,
  describe: (op) => `set VLANs of OVS port ${op.port} to ${vlanSettingInWords(wanted(op)) || 'none (untagged, every VLAN)'}`,
  interfaces: (op) => [op.port],
  phase: () => PHASES.portVlans,
  validate(op, c) {
    if (!needOvs(c)) return;
    const place = placeOf(c.t, op.port);
    if (!place) return void c.errors.push(`There is no OVS port ${op.port} on ${c.t.host.hostname} (or an earlier operation removes it).`);
    const { tag, trunks } = wanted(op);
    // A step with no command would never report: say so instead.
    if (place.port.tag === tag && place.port.trunks.join(',') === trunks.join(',')) return void c.errors.push(`${op.port} already has exactly these VLANs.`);
    const problem = vlanProblem(op.port, tag, trunks, place.port.vlanMode);
    if (problem) c.errors.push(problem);
  },
  warnings(op, before) {
    const place = placeOf(before, op.port);
    const tap = place && vmTapOf(before, place.port);
    return tap ? [`${op.port} is a VM's NIC: libvirt sets its VLANs from the VM's definition when the VM next starts, and this setting is lost then; set the VLAN on the VM's NIC to keep it.`] : [];
  },
  project: (op, t) => {
    const { tag, trunks } = wanted(op);
    const bridge = placeOf(t, op.port)!.bridge.name;
    return withBridgeChanged(t, bridge, (b) => ({ ...b, ports: b.ports.map((p) => (p.name === op.port ? { ...p, tag, trunks: [...trunks] } : p)) }));
  },
  render(op, t) {
    const { port } = placeOf(t, op.port)!;
    const { tag, trunks } = wanted(op);
    return [
      ...(port.tag !== tag ? [cmd(column(op.port, 'tag', tag), [column(op.port, 'tag', port.tag)])] : []),
      ...(port.trunks.join(',') !== trunks.join(',') ? [cmd(column(op.port, 'trunks', trunks), [column(op.port, 'trunks', port.trunks)])] : []),
    ];
  },
  invert(op, before): Operation[] {
    const place = placeOf(before, op.port);
    if (!place) return [];
    // Written as a person would: absent fields for none.
    return [{ kind: 'setOvsPortVlans', port: op.port, ...(place.port.tag !== null ? { tag: place.port.tag } : {}), ...(place.port.trunks.length ? { trunks: [...place.port.trunks] } : {}) }];
  },
  verify: (op, intended, after) => portDifferences(op.port, intended, after, { setUp: false }),
});
