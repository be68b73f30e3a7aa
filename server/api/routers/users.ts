import { adminProcedure, createTRPCRouter } from '@/server/api/trpc';
import {
  ZCreateUserInput,
  ZDeleteUserInput,
  ZResetPasswordInput,
  ZSetDisabledInput,
  ZSetRoleInput,
  ZUnlockUserInput,
} from '@/server/auth/users.types';
import {
  createUser,
  deleteUser,
  listUsers,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
  unlockUser,
} from '@/server/auth/users';

export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  create: adminProcedure.input(ZCreateUserInput).mutation(({ ctx, input }) => createUser(ctx.db, ctx.user, input)),
  setRole: adminProcedure
    .input(ZSetRoleInput)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, ctx.user, input.userId, input.role)),
  setDisabled: adminProcedure
    .input(ZSetDisabledInput)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.user, input.userId, input.disabled)),
  resetPassword: adminProcedure
    .input(ZResetPasswordInput)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, ctx.user, input.userId, input.password)),
  unlock: adminProcedure.input(ZUnlockUserInput).mutation(({ ctx, input }) => unlockUser(ctx.db, ctx.user, input.userId)),
  delete: adminProcedure
    .input(ZDeleteUserInput)
    .mutation(({ ctx, input }) => deleteUser(ctx.db, ctx.user, input.userId)),
});
