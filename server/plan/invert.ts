// The operations that undo an operation, given the state right before it. Pure. "Revert" on a
// past change drafts these (newest step first), and they are then planned against the host's
// current state like any other draft, so a host that moved on is caught at review. Each kind's
// inverse lives with the kind (kinds/); what re-creating an interface needs, in restore.ts.
import type { Topology } from '@/server/topology/model';
import { applyOperation } from './project';
import { kindOf, type Operation } from './registry';

export function invertOperation(op: Operation, before: Topology): Operation[] {
  return kindOf(op).invert(op, before);
}

/** The operations that undo a whole applied sequence: each step's inverse, newest step first. */
export function invertSequence(ops: readonly Operation[], before: Topology): Operation[] {
  const states: Topology[] = [];
  let state = before;
  for (const op of ops) {
    states.push(state);
    state = applyOperation(state, op);
  }
  return ops.flatMap((op, i) => ({ op, before: states[i]! })).reverse().flatMap(({ op, before: b }) => invertOperation(op, b));
}
