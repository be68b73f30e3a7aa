// One canonical JSON for everything that is hashed (the audit chain, topology snapshots):
// RFC 8785 (JCS) through the maintained `canonicalize` library, not a hand-written one.
import canonicalize from 'canonicalize';

/** RFC 8785 canonical JSON: keys sorted by UTF-16 code units, ES number form, Dates as ISO text. */
export function canonicalText(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('this value has no JSON form (undefined or a function)');
  return text;
}
