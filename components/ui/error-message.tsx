'use client';

import { TRPCClientError } from '@trpc/client';

/** The server's user message (AppError.userMessage via the error formatter), never a stack. */
export function errorText(error: unknown): string {
  if (error instanceof TRPCClientError) return error.message;
  return 'The panel could not be reached. Check that the server is running, then try again.';
}

export function fieldErrors(error: unknown): Record<string, string[]> {
  if (error instanceof TRPCClientError) {
    const data = error.data as { fieldErrors?: Record<string, string[]> | null } | undefined;
    return data?.fieldErrors ?? {};
  }
  return {};
}

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {errorText(error)}
    </p>
  );
}
