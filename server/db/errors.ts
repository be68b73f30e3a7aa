// Database errors the services react to, the same on SQLite and PostgreSQL.

/** A unique key was taken (Prisma P2002): someone else created the row first. */
export const isUniqueViolation = (err: unknown): boolean => (err as { code?: string } | null)?.code === 'P2002';

/**
 * Another writer got there first and the transaction should simply run again: a PostgreSQL
 * serialization failure arrives as a DriverAdapterError of kind TransactionWriteConflict (not
 * the documented P2034), SQLite's WAL gives SQLITE_BUSY (a stale read snapshot cannot write).
 */
export function isWriteConflict(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: { kind?: string } } | null;
  return e?.code === 'P2034' || e?.cause?.kind === 'TransactionWriteConflict' || /SQLITE_BUSY|TransactionWriteConflict|database is locked/i.test(e?.message ?? '');
}
