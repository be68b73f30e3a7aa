// Operation -> commands (argv arrays), each with the exact commands that undo it, computed from
// the state the host is in just before the operation. Pure (DESIGN.md rule 2): no string is
// ever assembled from user input; values are checked against SAFE_ARG before they leave here,
// and the runner checks them again on the host. Each kind's rendering lives with the kind
// (kinds/); the command builders in commands.ts.
import type { Topology } from '@/server/topology/model';
import type { PlannedCommand } from './commands';
import type { PlanContext } from './kind';
import { kindOf, type Operation } from './registry';

export { DOCUMENT_REF, optionProblem, OVS_VSCTL_TIMEOUT, PROGRAMS, SAFE_ARG, UnsafeArgumentError, type Argv, type PlannedCommand, type PlannedDocument } from './commands';

/**
 * The commands of one operation against `t`, the state right before it. Validation has passed,
 * so the interfaces it names exist (or do not, for creates) in `t`.
 */
export function renderOperation(op: Operation, t: Topology, ctx: PlanContext = {}): PlannedCommand[] {
  return kindOf(op).render(op, t, ctx);
}
