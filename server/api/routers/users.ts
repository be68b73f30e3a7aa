import { adminProcedure, createTRPCRouter } from '@/server/api/trpc';
import {
  ZCreateUserInput,
  ZDeleteUserInput,
  ZResetPasswordInput,
  ZSetDisabledInput,
  ZSetRoleInput,
} from '@/server/auth/users.types';
import {
  createUser,
  deleteUser,
  listUsers,
  resetUserPassword,
  setUserDisabled,
  setUserRole,
} from '@/server/auth/users';

export const usersRouter = createTRPCRouter({
  list: adminProcedure.query(({ ctx }) => listUsers(ctx.db)),
  create: adminProcedure.input(ZCreateUserInput).mutation(({ ctx, input }) => createUser(ctx.db, input)),
  setRole: adminProcedure
    .input(ZSetRoleInput)
    .mutation(({ ctx, input }) => setUserRole(ctx.db, input.userId, input.role)),
  setDisabled: adminProcedure
    .input(ZSetDisabledInput)
    .mutation(({ ctx, input }) => setUserDisabled(ctx.db, ctx.user, input.userId, input.disabled)),
  resetPassword: adminProcedure
    .input(ZResetPasswordInput)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, input.userId, input.password)),
  delete: adminProcedure
    .input(ZDeleteUserInput)
    .mutation(({ ctx, input }) => deleteUser(ctx.db, ctx.user, input.userId)),
});
