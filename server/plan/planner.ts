// Draft operations + the host's live topology -> an ordered plan: each operation with its exact
// commands and inverses, marks on the ones that touch the panel's own SSH path, the intended
// topology and the graph diff. Pure.
import { diffTopology, type TopologyChange } from '@/server/topology/diff';
import type { Topology } from '@/server/topology/model';
import { OVS_DATAPATH, ovsIndex } from '@/server/topology/ovs';
import { describeOperation, interfacesOf, type Operation } from './ops';
import { kindOf } from './registry';
import { applyOperation, sameAddress } from './project';
import { renderOperation, type PlannedCommand } from './render';
import { changesKernel, lostAtReboot } from './commands';
import { validateOperation, validateOperations, type OperationCheck } from './validate';
import { warningsOf } from './warnings';
import { bootWritesFor } from './boot/persist';
import { keptWritesFor } from './boot/kept';

export interface PlanStep {
  /** Position in the draft the operator wrote. */
  draftIndex: number;
  operation: Operation;
  description: string;
  commands: PlannedCommand[];
  /** Touches the interface, address or route that carries the panel's SSH connection, or cuts VMs off a network: needs confirming. */
  disruptive: string | null;
  /** Takes effect later, and when ("applies when web1 next starts: …"); absent when it takes effect now. */
  deferred?: string;
  /** Valid but dangerous, in sentences: the operator acknowledges them before apply (warnings.ts). Absent in plans stored before warnings. */
  warnings?: string[];
}

export interface Plan {
  steps: PlanStep[];
  intended: Topology;
  diff: TopologyChange[];
  disruptive: boolean;
  /** Why the kernel steps' boot files are not written (a backend Switchboard does not write, the host's setting); absent when they are, or none are needed. */
  bootNotWritten?: string;
  /** Why the tc and NAT steps are not kept for boot (no systemd, the host's setting, a tree that cannot be written exactly); absent when they are, or there are none. */
  keepNotWritten?: string;
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; checks: OperationCheck[] };

/** Lower runs first among operations that do not depend on each other (kind.ts, PHASES). */
const phaseOf = (op: Operation) => kindOf(op).phase(op);

/**
 * Dependency order: an operation never moves before an earlier one that names a common
 * interface (those keep the order they were drafted in); independent ones go by phase.
 */
export function dependencyOrder(ops: readonly Operation[]): number[] {
  const names = ops.map((op) => new Set(interfacesOf(op)));
  const dependsOn = ops.map((_, j) => ops.flatMap((__, i) => (i < j && [...names[j]!].some((n) => names[i]!.has(n)) ? [i] : [])));
  const placed = new Set<number>();
  const order: number[] = [];
  while (order.length < ops.length) {
    let best = -1;
    for (let j = 0; j < ops.length; j++) {
      if (placed.has(j) || dependsOn[j]!.some((i) => !placed.has(i))) continue;
      if (best < 0 || phaseOf(ops[j]!) < phaseOf(ops[best]!)) best = j;
    }
    placed.add(best);
    order.push(best);
  }
  return order;
}

/**
 * What carries the panel's SSH connection, as the host told it (the probe's session section:
 * SSH_CONNECTION and the route back to the panel), or only the inventory address when the host
 * did not say. A DNS name, a NAT address or another IPv6 spelling in the inventory then still
 * finds the right interface, because the host names it.
 */
export interface ManagementPath {
  /** The host's own address the session arrived on. */
  hostAddress: string;
  /** The panel's address as the host sees it. */
  panelAddress: string | null;
  /** The device the host's route back to the panel leaves by. */
  device: string | null;
  /** The gateway of that route, when the panel is not on a directly connected network. */
  gateway: string | null;
}

export function managementPathOf(path: ManagementPath | string): ManagementPath {
  return typeof path === 'string' ? { hostAddress: path, panelAddress: null, device: null, gateway: null } : path;
}

/**
 * The interfaces the panel's SSH connection depends on: the one holding the host address of the
 * session and the device of the route back, their masters (a bridge or bond above them), their
 * ports (the uplinks below), and VLAN parents. Changing any of these can cut the panel off.
 */
export function managementInterfaces(t: Topology, pathOrAddress: ManagementPath | string): Set<string> {
  const path = managementPathOf(pathOrAddress);
  const byName = new Map(t.interfaces.map((i) => [i.name, i]));
  const holder = t.interfaces.find((i) => i.addresses.some((a) => sameAddress(a.address, path.hostAddress)));
  // Open vSwitch: the kernel shows every port's device under the datapath (ovs-system), not its
  // bridge; which bridge a device is on, and which ports a bridge has, only OVS's database says.
  const ovs = t.ovs ? ovsIndex(t) : null;
  const out = new Set<string>();
  const visit = (name: string | null | undefined) => {
    if (!name || out.has(name)) return;
    const i = byName.get(name);
    if (!i) return;
    out.add(name);
    if (!(ovs && i.master === OVS_DATAPATH)) visit(i.master);
    visit(i.parent);
    for (const port of t.interfaces) if (port.master === name && !(ovs && name === OVS_DATAPATH)) visit(port.name);
    const bridge = ovs?.byInterface.get(name)?.bridge ?? ovs?.bridges.get(name);
    if (bridge) {
      if (byName.has(bridge.name)) visit(bridge.name);
      else out.add(bridge.name);
      // Tunnels and bonds are ports without a kernel device of their name: named all the same.
      for (const p of bridge.ports) {
        for (const iface of p.interfaces) {
          if (byName.has(iface.name)) visit(iface.name);
          else out.add(iface.name);
        }
        if (!byName.has(p.name)) out.add(p.name);
      }
    }
  };
  visit(holder?.name);
  visit(path.device);
  return out;
}

function disruptionOf(op: Operation, mgmt: Set<string>, path: ManagementPath): string | null {
  if (op.kind === 'addAddress') {
    // The panel's own address (or the gateway toward it) on this host would capture the replies.
    if (path.panelAddress && sameAddress(op.address, path.panelAddress)) return `adds ${path.panelAddress}, the panel's own address, so the host would answer the panel locally`;
    if (path.gateway && sameAddress(op.address, path.gateway)) return `adds ${path.gateway}, the gateway the host reaches the panel through`;
    return null;
  }
  if (op.kind === 'setBridgeVlans' && !mgmt.has(op.dev)) return null;
  if (op.kind === 'removeAddress') {
    return sameAddress(op.address, path.hostAddress) ? `removes ${path.hostAddress}, the address the panel connects to` : null;
  }
  if (op.kind === 'setLinkState' && op.up) return null;
  const touched = interfacesOf(op).filter((n) => mgmt.has(n));
  if (!touched.length) return null;
  if (op.kind === 'setMaster' && !mgmt.has(op.dev)) return null; // a new port on the management bridge is harmless
  if ((op.kind === 'addOvsPort' || op.kind === 'addOvsTunnelPort') && !mgmt.has(op.port)) return null; // on an OVS bridge as well
  return `changes ${touched.join(', ')}, which carries the panel's SSH connection`;
}


/** A step the planner adds after the draft's (boot files), checked like any operation; or why it cannot. */
function planBootStep(intended: Topology, operation: Operation): { step: PlanStep; state: Topology } | { why: string } {
  const refused = validateOperation(intended, operation);
  if (refused.length) return { why: refused.join(' ') };
  const step: PlanStep = { draftIndex: -1, operation, description: describeOperation(operation), commands: renderOperation(operation, intended), disruptive: null, warnings: [] };
  return { step, state: applyOperation(intended, operation) };
}

/**
 * The step that writes the boot files for what the kernel steps change (boot/persist.ts), or
 * why there is none; null when no step changes the kernel.
 */
function bootStep(steps: readonly PlanStep[], live: Topology, intended: Topology): { step: PlanStep; state: Topology } | { why: string } | null {
  // A Revert carries the files as they were (writeBootFiles' inverse): exactly those, nothing more.
  if (steps.some((s) => s.operation.kind === 'writeBootFiles')) return null;
  const kernelSteps = steps.filter((s) => s.commands.some(changesKernel));
  if (!kernelSteps.length) return null;
  const boot = intended.host.bootConfig;
  if (!boot) return { why: 'the boot configuration has not been read' };
  // A port's bridge or bond lists it in its own stanza: it changes with the port.
  const named = kernelSteps.flatMap((s) => interfacesOf(s.operation));
  const masterOf = (t: Topology, n: string) => t.interfaces.find((i) => i.name === n)?.master ?? null;
  const touched = [...named, ...named.flatMap((n) => [masterOf(live, n), masterOf(intended, n)].filter((m): m is string => m !== null))];
  const writes = bootWritesFor(intended, touched, boot);
  if (!writes.ok) return { why: writes.why };
  if (!writes.writes.length) return null;
  return planBootStep(intended, { kind: 'writeBootFiles', files: writes.writes.map((w) => ({ path: w.path, content: w.after })) });
}

/** The interfaces whose tc trees a step's commands change. */
const tcDevicesOf = (steps: readonly PlanStep[]): string[] =>
  steps.flatMap((s) => s.commands.flatMap((c) => (c.argv[0] === 'tc' && c.argv.includes('dev') ? [c.argv[c.argv.indexOf('dev') + 1]!] : [])));

/**
 * The step that keeps the change's tc trees and NAT rules for boot (boot/kept.ts), or why there
 * is none; null when no step changes what the kernel forgets and no boot writer carries.
 */
function keepStep(steps: readonly PlanStep[], intended: Topology): { step: PlanStep; state: Topology } | { why: string } | null {
  // A Revert carries the files as they were (keepAtBoot's inverse).
  if (steps.some((s) => s.operation.kind === 'keepAtBoot')) return null;
  if (!steps.some((s) => s.commands.some(lostAtReboot))) return null;
  const writes = keptWritesFor(intended, tcDevicesOf(steps));
  if (!writes.ok) return { why: writes.why };
  if (!writes.writes.length) return null;
  return planBootStep(intended, { kind: 'keepAtBoot', files: writes.writes.map((w) => ({ path: w.path, content: w.after })) });
}

export function planChange(live: Topology, draft: readonly Operation[], pathOrAddress: ManagementPath | string, opts: { writeBootConfig?: boolean; changeId?: string } = {}): PlanResult {
  const path = managementPathOf(pathOrAddress);
  const inDraftOrder = validateOperations(live, draft);
  if (!inDraftOrder.valid) return { ok: false, checks: inDraftOrder.checks };

  // Reordering must never turn a valid draft into an invalid sequence; when it would (an
  // unusual chain across different names), the drafted order is kept as it is.
  let order = dependencyOrder(draft);
  if (!validateOperations(live, order.map((i) => draft[i]!)).valid) order = draft.map((_, i) => i);

  const mgmt = managementInterfaces(live, path);
  let state = live;
  const steps: PlanStep[] = order.map((draftIndex) => {
    const operation = draft[draftIndex]!;
    const ctx = { changeId: opts.changeId };
    const commands = renderOperation(operation, state, ctx);
    const disruptive = disruptionOf(operation, mgmt, path) ?? kindOf(operation).disruption?.(operation, state) ?? null;
    const deferred = kindOf(operation).deferred?.(operation, state) ?? null;
    const warnings = warningsOf(operation, state, commands);
    state = applyOperation(state, operation, ctx);
    return { draftIndex, operation, description: describeOperation(operation), commands, disruptive, ...(deferred ? { deferred } : {}), warnings };
  });
  // The boot files follow the kernel, in the same exec, last (their inverse: the files as they were).
  const boot = opts.writeBootConfig === false ? { why: "the host's settings leave its boot configuration alone" } : bootStep(steps, live, state);
  if (boot && 'step' in boot) {
    steps.push(boot.step);
    state = boot.state;
  }
  const keep = opts.writeBootConfig === false ? (steps.some((s) => s.commands.some(lostAtReboot)) ? { why: "the host's settings leave its boot configuration alone" } : null) : keepStep(steps, state);
  if (keep && 'step' in keep) {
    steps.push(keep.step);
    state = keep.state;
  }
  return {
    ok: true,
    plan: {
      steps,
      intended: state,
      diff: diffTopology(live, state),
      disruptive: steps.some((s) => s.disruptive !== null),
      ...(boot && 'why' in boot ? { bootNotWritten: boot.why } : {}),
      ...(keep && 'why' in keep ? { keepNotWritten: keep.why } : {}),
    },
  };
}
