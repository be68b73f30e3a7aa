// The boot file Switchboard keeps IP forwarding in (FORWARDING_FILE), as the probe prints it.
import { ProbeParseError } from './errors';

/**
 * `absent`, or `present` followed by the file: its content, or null. Sections reach the parser
 * trimmed, so the content is given back with one final newline, as Switchboard writes it.
 */
export function parseForwardingFile(body: string): string | null {
  const newline = body.indexOf('\n');
  const first = newline < 0 ? body.trim() : body.slice(0, newline).trim();
  if (first === 'absent') return null;
  if (first !== 'present') throw new ProbeParseError('forwarding_file', `expected "present" or "absent", got ${JSON.stringify(first.slice(0, 40))}`);
  const content = newline < 0 ? '' : body.slice(newline + 1).trim();
  return content ? `${content}\n` : '';
}
