// Static checks of drafted operations against a topology: everything that can be known to fail
// (or to do harm) before a command runs. Pure. Each error is a sentence that names the
// interface and says what to do, and is attached to the operation that causes it. What each
// kind checks lives with the kind (kinds/); the checks they share in checks.ts.
import type { Topology } from '@/server/topology/model';
import { checksFor } from './checks';
import { applyOperation } from './project';
import { kindOf, type Operation } from './registry';

export { DELETABLE_KINDS } from './checks';

export interface OperationCheck {
  /** Index in the list that was validated. */
  index: number;
  errors: string[];
}

/**
 * Parts of a read that every plan relies on: inverses re-add addresses, restore routes the
 * kernel flushed and put port VLANs back. A host whose read lacks one takes no changes.
 */
const PLANNING_SECTIONS: Record<string, string> = { addr: 'addresses', route: 'routes', bridge_vlan: 'bridge VLANs' };

export function validateOperation(t: Topology, op: Operation): string[] {
  const c = checksFor(t);
  for (const m of t.missing) {
    const part = PLANNING_SECTIONS[m.section];
    if (part) c.errors.push(`This host's ${part} could not be read (${m.reason}), so an exact undo cannot be planned; refresh the host, or fix what the note above the graph names.`);
  }
  if (c.errors.length) return c.errors;
  kindOf(op).validate(op, c);
  return c.errors;
}

export interface DraftValidation {
  checks: OperationCheck[];
  /** The topology after every valid operation (invalid ones are left out so one error does not cascade). */
  projected: Topology;
  valid: boolean;
}

/** Validates operations in order, each against the state the earlier valid ones leave. */
export function validateOperations(t: Topology, ops: readonly Operation[]): DraftValidation {
  let state = t;
  const checks: OperationCheck[] = [];
  ops.forEach((op, index) => {
    const errors = validateOperation(state, op);
    checks.push({ index, errors });
    if (!errors.length) state = applyOperation(state, op);
  });
  return { checks, projected: state, valid: checks.every((c) => !c.errors.length) };
}
