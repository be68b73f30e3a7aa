// Input schemas shared by several routers. Strict: nothing is coerced, so `true` is not port 1
// and `null` is not a date in 1970.
import { z } from 'zod';

/** A point in time, as the browser sends a Date (ISO 8601 text with a zone), or a Date in-process. */
export const ZDateInput = z.union(
  [z.date(), z.iso.datetime({ offset: true }).transform((s) => new Date(s))],
  { error: 'A date is written like 2026-12-01T10:00:00Z.' },
);
