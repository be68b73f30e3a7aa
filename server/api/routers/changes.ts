import { auditorProcedure, createTRPCRouter, historyProcedure, operatorProcedure, signedInProcedure } from '@/server/api/trpc';
import { verifyAuditChain } from '@/server/audit/records';
import { startApply } from '@/server/changes/apply';
import { addOperations, discardDraft, getDraft, removeOperation } from '@/server/changes/drafts';
import { exportChanges, getChange, getChangePictures, listChanges, revertChange } from '@/server/changes/history';
import { reviewDraft } from '@/server/changes/review';
import { ZAddOperations, ZApplyInput, ZChangeRef, ZExportInput, ZHistoryFilter, ZHostRef, ZOutsideChangeRef, ZRemoveOperation } from '@/server/changes/changes.types';
import { draftUndoOfOutsideChange } from '@/server/changes/outside-undo';
import { getPanelPool } from '@/server/hosts/panel-pool';

const actorOf = (user: { id: string; username: string }) => ({ id: user.id, username: user.username });

// Drafting, reviewing and applying change a host: operators and admins. Everyone may see a
// host's draft (a viewer watching the graph sees what is pending). History is for operators,
// auditors and admins; export and chain verification for auditors and admins.
export const changesRouter = createTRPCRouter({
  draft: signedInProcedure.input(ZHostRef).query(({ ctx, input }) => getDraft(ctx.db, input.hostId)),
  addOperations: operatorProcedure
    .input(ZAddOperations)
    .mutation(({ ctx, input }) => addOperations(ctx.db, actorOf(ctx.user), input.hostId, input.operations)),
  removeOperation: operatorProcedure
    .input(ZRemoveOperation)
    .mutation(({ ctx, input }) => removeOperation(ctx.db, input.hostId, input.operationId)),
  discardDraft: operatorProcedure.input(ZHostRef).mutation(({ ctx, input }) => discardDraft(ctx.db, input.hostId)),
  review: operatorProcedure
    .input(ZHostRef)
    .mutation(({ ctx, input }) => reviewDraft(ctx.db, getPanelPool(ctx.db), actorOf(ctx.user), input.hostId)),
  // Returns once the change is recorded and running; the page follows its steps with `get`.
  applyChange: operatorProcedure.input(ZApplyInput).mutation(async ({ ctx, input }) => {
    const { changeId, finished } = await startApply(ctx.db, getPanelPool(ctx.db), actorOf(ctx.user), input);
    finished.catch((err) => console.error(`[apply] change ${changeId} failed to settle`, err));
    return { changeId };
  }),
  revert: operatorProcedure.input(ZChangeRef).mutation(({ ctx, input }) => revertChange(ctx.db, actorOf(ctx.user), input.changeId)),
  undoOutsideChange: operatorProcedure.input(ZOutsideChangeRef).mutation(({ ctx, input }) => draftUndoOfOutsideChange(ctx.db, actorOf(ctx.user), input.observedChangeId)),
  list: historyProcedure.input(ZHistoryFilter).query(({ ctx, input }) => listChanges(ctx.db, input)),
  get: historyProcedure.input(ZChangeRef).query(({ ctx, input }) => getChange(ctx.db, input.changeId)),
  pictures: historyProcedure.input(ZChangeRef).query(({ ctx, input }) => getChangePictures(ctx.db, input.changeId)),
  export: auditorProcedure.input(ZExportInput).query(({ ctx, input }) => exportChanges(ctx.db, input, input.format)),
  verify: auditorProcedure.query(({ ctx }) => verifyAuditChain(ctx.db)),
});
