// Request schemas of the change procedures (the API boundary; DESIGN.md rule 1).
import { z } from 'zod';
import { ZDateInput } from '@/server/input';
import { ZHostId } from '@/server/hosts/hosts.types';
import { MAX_CONFIRM_WINDOW_SECONDS, MIN_CONFIRM_WINDOW_SECONDS } from '@/server/plan/confirmation';
import { OPERATION_KINDS, ZOperation, type OperationKind } from '@/server/plan/ops';

const ZId = z.string().min(1).max(64);

export const ZHostRef = z.object({ hostId: ZHostId });
/**
 * Kinds people may not draft, and why: the boot files, which only the planner writes (their
 * hooks run as root at boot), and a tc tree, HTB class or filter put back as it was, which only
 * Revert drafts (each carries what was read from the host, not a setting anyone chose).
 */
const NOT_DRAFTABLE: Partial<Record<OperationKind, string>> = {
  writeBootFiles: 'The boot configuration is written by Switchboard with each change; it cannot be drafted.',
  keepAtBoot: 'What Switchboard keeps for boot (tc trees, NAT rules) is written with each change; it cannot be drafted.',
  restoreQdiscTree: 'A tc tree is put back as it was only by reverting the change that replaced it; set a qdisc (setQdisc) or take it off (removeQdisc) instead.',
  restoreHtbClass: 'An HTB class is put back as it was only by reverting the change that altered it; set it (setHtbClass) or remove it (removeHtbClass) instead.',
  restoreTcFilter: 'A tc filter is put back as it was only by reverting the change that removed it; add one (addTcFilter) instead.',
};
/** The kinds people may draft (the API's fuzz suite sends these). */
export const DRAFTABLE_KINDS = OPERATION_KINDS.filter((k) => !NOT_DRAFTABLE[k]);
const ZDraftable = ZOperation.superRefine((op, ctx) => {
  const why = NOT_DRAFTABLE[op.kind];
  if (why) ctx.addIssue({ code: 'custom', message: why });
});
export const ZAddOperations = z.object({ hostId: ZHostId, operations: z.array(ZDraftable).min(1).max(200) });
export const ZRemoveOperation = z.object({ hostId: ZHostId, operationId: ZId });
export const ZApplyInput = z.object({
  changeId: ZId,
  reason: z.string().trim().min(1, 'Say why you are making this change.').max(2000),
  confirmDisruptive: z.boolean().default(false),
  /** The operator read the review's warnings (changes that are valid but dangerous). */
  acknowledgeWarnings: z.boolean().default(false),
  /** This change's confirmation window (seconds), instead of the host's. */
  confirmWindowSeconds: z.number().int().min(MIN_CONFIRM_WINDOW_SECONDS).max(MAX_CONFIRM_WINDOW_SECONDS).optional(),
});
export const ZChangeRef = z.object({ changeId: ZId });
export const ZOutsideChangeRef = z.object({ observedChangeId: ZId });
export const CHANGE_STATUSES = ['applying', 'applied', 'applied-with-differences', 'rolled-back', 'rolled-back-by-host', 'rollback-incomplete', 'not-applied', 'interrupted'] as const;
export const ZHistoryFilter = z.object({
  hostId: ZHostId.optional(),
  user: z.string().max(64).optional(),
  status: z.enum(CHANGE_STATUSES).optional(),
  from: ZDateInput.optional(),
  to: ZDateInput.optional(),
  take: z.number().int().min(1).max(500).default(50),
  cursor: ZId.optional(),
});
export const ZExportInput = ZHistoryFilter.omit({ take: true, cursor: true }).extend({ format: z.enum(['json', 'csv']) });

/** Every state a ChangeSet row goes through (the filter above lists those a person looks for). */
export type ChangeStatus =
  | 'reviewed'
  | 'applying'
  | 'applied'
  | 'applied-with-differences'
  | 'rolled-back'
  | 'rolled-back-by-host'
  | 'rollback-incomplete'
  | 'not-applied'
  | 'recovering'
  | 'interrupted';
