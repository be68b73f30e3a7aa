// interfaces(5), the file ifupdown and ifupdown2 (Proxmox) configure a host's network from at
// boot: read into blocks that keep every line as written, and edited one interface at a time,
// so a file written back differs from the admin's only where an interface changed. Pure.
//
// The grammar (Debian's interfaces(5)): a line that ends in "\" continues on the next; "#"
// starts a comment only at the start of a line; a stanza starts with `iface`, `mapping`, `auto`,
// `allow-<class>`, `source`, `source-directory` or `rename`, and an `iface` stanza's options are
// the lines after it up to the next stanza.

export interface IfaceBlock {
  type: 'iface';
  name: string;
  family: string;
  method: string;
  options: { key: string; value: string }[];
  lines: string[];
}
/** `auto eth0 br0`, `allow-hotplug eth1`: which interfaces come up at boot (or on hotplug). */
export interface AutoBlock {
  type: 'auto';
  keyword: string;
  names: string[];
  lines: string[];
}
/** Anything else, kept as written: comments, blank lines, `source`, `mapping`. */
export interface OtherBlock {
  type: 'other';
  lines: string[];
}
export type Block = IfaceBlock | AutoBlock | OtherBlock;

const STANZA = /^(iface|mapping|auto|allow-[\w-]+|source|source-directory|rename)(\s|$)/;

/** Physical lines joined into logical ones (a trailing "\" continues), each with its physical lines. */
function logicalLines(text: string): { text: string; lines: string[] }[] {
  const out: { text: string; lines: string[] }[] = [];
  let pending: { text: string; lines: string[] } | null = null;
  const physical = text.split('\n');
  if (physical.at(-1) === '') physical.pop();
  for (const line of physical) {
    const current: { text: string; lines: string[] } = pending ?? { text: '', lines: [] };
    current.lines.push(line);
    if (/\\$/.test(line) && !line.trimStart().startsWith('#')) {
      current.text += line.slice(0, -1);
      pending = current;
      continue;
    }
    current.text += line;
    out.push(current);
    pending = null;
  }
  if (pending) out.push(pending);
  return out;
}

export function parseInterfacesFile(file: string): Block[] {
  const blocks: Block[] = [];
  let iface: IfaceBlock | null = null;
  /** Blank and comment lines after an iface's options: kept with it only if more options follow. */
  let held: string[] = [];
  const flush = () => {
    if (held.length) blocks.push({ type: 'other', lines: held });
    held = [];
  };
  for (const { text, lines } of logicalLines(file)) {
    const trimmed = text.trim();
    const stanza = STANZA.exec(trimmed);
    if (stanza) {
      iface = null;
      flush();
      const words = trimmed.split(/\s+/);
      if (stanza[1] === 'iface') {
        iface = { type: 'iface', name: words[1] ?? '', family: words[2] ?? '', method: words[3] ?? '', options: [], lines: [...lines] };
        blocks.push(iface);
      } else if (stanza[1] === 'auto' || stanza[1]!.startsWith('allow-')) {
        blocks.push({ type: 'auto', keyword: stanza[1]!, names: words.slice(1), lines: [...lines] });
      } else {
        blocks.push({ type: 'other', lines: [...lines] });
      }
      continue;
    }
    if (iface && trimmed && !trimmed.startsWith('#')) {
      iface.lines.push(...held, ...lines);
      held = [];
      const [key, ...value] = trimmed.split(/\s+/);
      iface.options.push({ key: key!, value: value.join(' ') });
      continue;
    }
    if (iface) held.push(...lines);
    else blocks.push({ type: 'other', lines: [...lines] });
  }
  flush();
  return blocks;
}

export function formatInterfacesFile(blocks: readonly Block[]): string {
  const lines = blocks.flatMap((b) => b.lines);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The `iface` stanzas of one interface, all families. */
export const stanzasOf = (blocks: readonly Block[], name: string): IfaceBlock[] => blocks.filter((b): b is IfaceBlock => b.type === 'iface' && b.name === name);

/** Whether an `auto` line names the interface (it is brought up at boot). */
export const isAuto = (blocks: readonly Block[], name: string): boolean => blocks.some((b) => b.type === 'auto' && b.keyword === 'auto' && b.names.includes(name));

/**
 * The file with one interface's stanzas replaced: its `iface` stanzas (every family) and its
 * place on `auto`/`allow-*` lines go, and `stanza` (lines, `auto` first if it comes up at boot)
 * takes the place of the first one removed, or goes at the end of the file. `stanza` null
 * removes the interface.
 */
export function withInterface(blocks: readonly Block[], name: string, stanza: readonly string[] | null): Block[] {
  const out: Block[] = [];
  let placed = false;
  const place = () => {
    if (placed || !stanza) return;
    placed = true;
    out.push(...parseInterfacesFile(`${stanza.join('\n')}\n`));
  };
  for (const b of blocks) {
    if (b.type === 'iface' && b.name === name) {
      place();
      continue;
    }
    if (b.type === 'auto' && b.names.includes(name)) {
      const names = b.names.filter((n) => n !== name);
      if (names.length) out.push({ ...b, names, lines: [`${b.keyword} ${names.join(' ')}`] });
      continue;
    }
    out.push(b);
  }
  if (stanza && !placed) {
    // A blank line between the admin's last stanza and ours, as people write the file.
    const last = out.at(-1);
    if (last && !(last.type === 'other' && last.lines.at(-1)?.trim() === '')) out.push({ type: 'other', lines: [''] });
    place();
  }
  return out;
}
