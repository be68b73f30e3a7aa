// What one operation kind is: everything about it in one module (plan/kinds/), registered in
// one table (registry.ts) that the pure stages iterate. A new kind is one file plus its tests.
import type { z } from 'zod';
import type { NetInterface, Topology } from '@/server/topology/model';
import type { PlannedCommand } from './commands';
import type { Operation } from './registry';

/** The checks every kind shares, bound to the state right before the operation. */
export interface Checks {
  t: Topology;
  byName: ReadonlyMap<string, NetInterface>;
  /** Errors found so far; a kind's validate pushes sentences that name the interface and say what to do. */
  errors: string[];
  /** The interface, or an error saying it is not there. */
  need(name: string, role?: string): NetInterface | undefined;
  /** An error if the name is taken or reserved. */
  free(name: string): void;
  /** An error if a VM's NIC owns the interface (change it in libvirt instead). */
  notVmOwned(i: NetInterface | undefined): void;
  /** An error if a libvirt network manages the bridge. */
  notLibvirtBridge(i: NetInterface | undefined): void;
}

/**
 * Planner phases: lower runs first among operations that do not depend on each other. Take
 * away (addresses, ports, links) before adding, create before configuring, configure before
 * joining, and bring links up last so nothing carries traffic half-configured.
 */
export const PHASES = { remove: 0, delete: 1, create: 2, createOnTop: 3, configure: 4, join: 5, portVlans: 6, address: 7, linkUp: 8, routes: 9, boot: 10 } as const;

/** What the planner knows of the change it plans, for what the host keeps of it (a firewall rule's comment). */
export interface PlanContext {
  /** The change being planned; absent when a plan is only computed (validation, drafts, tests). */
  changeId?: string;
}

export interface Kind<S extends z.ZodObject = z.ZodObject> {
  /** `z.object({ kind: z.literal('…'), … })`: the operation as the API takes it. */
  schema: S;
  /** One line a person reads in the draft list and the history ("connect veth-b to br0"). */
  describe(op: z.output<S>): string;
  /** The interface names it reads or writes (for the management path and dependency order). */
  interfaces(op: z.output<S>): string[];
  phase(op: z.output<S>): number;
  /** Everything that can be known to fail, or to do harm, before a command runs. */
  validate(op: z.output<S>, c: Checks): void;
  /** The topology after it, as far as it can be known without the kernel. */
  project(op: z.output<S>, t: Topology, ctx?: PlanContext): Topology;
  /** Its commands against `t` (the state right before it), each with the exact commands that undo it. */
  render(op: z.output<S>, t: Topology, ctx?: PlanContext): PlannedCommand[];
  /** The operations that undo it, given the state right before it (Revert); plan/restore.ts keeps them in step with render's inverses. */
  invert(op: z.output<S>, before: Topology): Operation[];
  /**
   * What it interrupts beyond the panel's own path (VMs cut off a network), in a sentence, or
   * null. Such a step needs the operator's confirmation, as one that touches the panel's path.
   */
  disruption?(op: z.output<S>, before: Topology): string | null;
  /**
   * What is valid but dangerous about it, in sentences (a bridge that libvirt still uses,
   * addresses that stop working on a new port); the operator acknowledges them before apply.
   * Changes to a device others ride on are warned about for every kind (warnings.ts).
   */
  warnings?(op: z.output<S>, before: Topology): string[];
  /** When it takes effect later rather than now ("applies when web1 next starts: …"), or null. */
  deferred?(op: z.output<S>, before: Topology): string | null;
  /** After apply: sentences for what the host shows that differs from what it intended (kernel interfaces are compared for every kind). */
  verify?(op: z.output<S>, intended: Topology, after: Topology): string[];
}

export const defineKind = <S extends z.ZodObject>(kind: Kind<S>): Kind<S> => kind;
