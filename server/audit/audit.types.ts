import { z } from 'zod';
import { ZDateInput } from '@/server/input';
import { SECURITY_EVENT_GROUPS } from './security';


export const ZSecurityEventFilter = z.object({
  group: z.enum(Object.keys(SECURITY_EVENT_GROUPS) as [keyof typeof SECURITY_EVENT_GROUPS]).optional(),
  user: z.string().max(64).optional(),
  from: ZDateInput.optional(),
  to: ZDateInput.optional(),
  take: z.number().int().min(1).max(500).default(100),
  cursor: z.number().int().min(1).optional(),
});
export const ZSecurityEventExport = ZSecurityEventFilter.omit({ take: true, cursor: true }).extend({ format: z.enum(['json', 'csv']) });
