import { z } from 'zod';
import { SECURITY_EVENT_GROUPS } from './security';

const ZDate = z.date({ error: 'A date is needed here.' }).or(z.iso.datetime({ offset: true, error: 'A date looks like 2026-12-01T10:00:00Z.' }).transform((s) => new Date(s)));

export const ZSecurityEventFilter = z.strictObject({
  group: z.enum(Object.keys(SECURITY_EVENT_GROUPS) as [keyof typeof SECURITY_EVENT_GROUPS]).optional(),
  user: z.string().max(64).optional(),
  from: ZDate.optional(),
  to: ZDate.optional(),
  take: z.number().int().min(1).max(500).default(100),
  cursor: z.number().int().min(1).optional(),
});
export const ZSecurityEventExport = ZSecurityEventFilter.omit({ take: true, cursor: true }).extend({ format: z.enum(['json', 'csv']) });
