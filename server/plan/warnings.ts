// Changes that are valid but dangerous: each step's warnings, in sentences, which the operator
// must acknowledge before the change runs (as with a disruptive step). Pure.
//
// A kind says what is dangerous about itself (`Kind.warnings`); what is dangerous about any
// change to a device others sit on (a VXLAN's underlay, a macvtap's lower device) is said here
// once, for every kind that can disturb such a device.
import type { NetInterface, Topology } from '@/server/topology/model';
import { interfacesOf, type Operation } from './ops';
import { changesKernel, type PlannedCommand } from './commands';
import { kindOf } from './registry';
import { renderOperation } from './render';

/** Link kinds whose traffic rides on their `parent` device (not VLANs: they are plain children). */
const RIDERS: ReadonlySet<NetInterface['kind']> = new Set(['vxlan', 'macvlan', 'macvtap']);

/** The device an operation moves, takes down, or takes an address from; null when it leaves it be. */
function disturbedDevice(op: Operation): string | null {
  switch (op.kind) {
    case 'setMaster':
    case 'unsetMaster':
    case 'removeAddress':
      return op.dev;
    case 'setLinkState':
      return op.up ? null : op.dev;
    // Open vSwitch takes a device's traffic when it becomes a port, and gives it back when it leaves.
    case 'addOvsPort':
      return op.internal ? null : op.port;
    case 'removeOvsPort':
      return op.port;
    default:
      return null;
  }
}

function riderWarning(op: Operation, before: Topology): string | null {
  const dev = disturbedDevice(op);
  if (!dev) return null;
  const riders = before.interfaces.filter((i) => i.parent === dev && RIDERS.has(i.kind));
  if (!riders.length) return null;
  const named = riders.map((r) => `${r.name} (${r.kind === 'vxlan' ? 'its underlay' : 'its lower device'})`).join(', ');
  return `${dev} carries ${named}: this change moves their traffic too, and they may stop passing it.`;
}

/** Only changes made to the kernel directly: libvirt's go through libvirt, which NetworkManager leaves alone. */
function networkManagerWarning(op: Operation, before: Topology, commands: readonly PlannedCommand[]): string | null {
  const managed = new Set(before.host.bootConfig?.nmManaged ?? []);
  if (!managed.size || !commands.some(changesKernel)) return null;
  const touched = interfacesOf(op).filter((n) => managed.has(n));
  if (!touched.length) return null;
  const names = touched.join(', ');
  return `NetworkManager manages ${names}: it may undo this change when it reconnects or restarts. Change ${touched.length > 1 ? 'them' : 'it'} in NetworkManager, or make ${touched.length > 1 ? 'them' : 'it'} unmanaged first.`;
}

/** `commands`: the operation rendered against `before` (the planner has them already). */
export function warningsOf(op: Operation, before: Topology, commands: readonly PlannedCommand[] = renderOperation(op, before)): string[] {
  return [...(kindOf(op).warnings?.(op, before) ?? []), riderWarning(op, before), networkManagerWarning(op, before, commands)].filter((w): w is string => !!w);
}
