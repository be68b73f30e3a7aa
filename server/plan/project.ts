// What a host's topology becomes once operations are applied, as far as Switchboard can know it
// without the kernel (new MACs and ifindexes are unknown until the host is read again). Pure.
// Used to validate each drafted operation against the state the earlier ones leave, to draw
// pending changes on the graph, and to say what the host should look like after an apply. Each
// kind's projection lives with the kind (kinds/); how the kernel changes interfaces, in
// interface-edits.ts.
import type { Topology } from '@/server/topology/model';
import type { PlanContext } from './kind';
import { kindOf, type Operation } from './registry';

export { sameAddress } from './address';
export { clampedByParentMtu } from './interface-edits';

export function applyOperation(t: Topology, op: Operation, ctx: PlanContext = {}): Topology {
  return kindOf(op).project(op, t, ctx);
}

export function applyOperations(t: Topology, ops: readonly Operation[]): Topology {
  return ops.reduce((state, op) => applyOperation(state, op), t);
}
