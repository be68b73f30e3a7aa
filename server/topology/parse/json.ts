import type { z } from 'zod';
import { ProbeParseError } from './errors';

/** Parses a section's JSON and validates it, with errors that name the section and the path. */
export function parseJsonSection<T>(section: string, body: string, schema: z.ZodType<T>): T {
  return validateSection(section, parseJsonValue(section, body), schema);
}

/** A section's JSON, not yet validated: for a read that several parsers take their part of. */
export function parseJsonValue(section: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new ProbeParseError(section, `not valid JSON (${(err as Error).message}); starts with ${JSON.stringify(body.slice(0, 60))}`);
  }
}

/** Validates a section's parsed JSON, with errors that name the section and the path. */
export function validateSection<T>(section: string, value: unknown, schema: z.ZodType<T>): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ProbeParseError(section, `unexpected shape at ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return result.data;
}
