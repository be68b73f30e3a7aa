// The unit-file syntax systemd-networkd reads its .network and .netdev files in (systemd.syntax(7)):
// read into sections that keep every line as written, and edited one key at a time, so that a
// file written back differs from the admin's only in the settings Switchboard changed. Pure.
//
// The grammar, as networkd's parser has it: a `[Section]` header starts a section; a setting is
// `Key=Value`, whitespace around key and value ignored; a line whose first non-blank character is
// `#` or `;` is a comment (a `#` after a value is part of the value); a line ending in `\`
// continues on the next; a key may repeat (list settings accumulate, and an empty assignment
// clears what came before it); a section may repeat ([Route], [Address]: one route or address each).

export interface UnitEntry {
  /** Null for a comment, a blank line, or a line networkd would reject (kept as written). */
  key: string | null;
  value: string;
  /** The physical lines, as written. */
  lines: string[];
}

export interface UnitSection {
  /** Null for what comes before the first header. */
  name: string | null;
  /** The comment and blank lines before the header (they introduce the section), then the header. */
  header: string[];
  entries: UnitEntry[];
}

export type UnitFile = UnitSection[];

/** A setting as written, for entries Switchboard adds. */
const entry = (key: string, value: string): UnitEntry => ({ key, value, lines: [`${key}=${value}`] });
const isLoose = (line: string) => !line.trim() || /^\s*[#;]/.test(line);

/** Physical lines joined into logical ones (a trailing "\" continues; comments never do). */
function logicalLines(text: string): { text: string; lines: string[] }[] {
  const physical = text.split('\n');
  if (physical.at(-1) === '') physical.pop();
  const out: { text: string; lines: string[] }[] = [];
  let pending: { text: string; lines: string[] } | null = null;
  for (const line of physical) {
    if (pending && isLoose(line) && line.trim()) {
      // systemd skips a comment inside a continued setting.
      pending.lines.push(line);
      continue;
    }
    const current: { text: string; lines: string[] } = pending ?? { text: '', lines: [] };
    current.lines.push(line);
    if (line.endsWith('\\') && !isLoose(line)) {
      current.text += `${line.slice(0, -1)} `;
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

export function parseUnitFile(text: string): UnitFile {
  const sections: UnitSection[] = [{ name: null, header: [], entries: [] }];
  /** Comment and blank lines not yet placed: they go with the next header, or else with the settings before them. */
  let loose: string[] = [];
  const placeLoose = () => {
    sections.at(-1)!.entries.push(...loose.map((line) => ({ key: null, value: '', lines: [line] })));
    loose = [];
  };
  for (const { text: logical, lines } of logicalLines(text)) {
    if (lines.length === 1 && isLoose(lines[0]!)) {
      loose.push(lines[0]!);
      continue;
    }
    const trimmed = logical.trim();
    const header = /^\[(.+)\]$/.exec(trimmed);
    if (header) {
      sections.push({ name: header[1]!, header: [...loose, ...lines], entries: [] });
      loose = [];
      continue;
    }
    placeLoose();
    const eq = trimmed.indexOf('=');
    sections.at(-1)!.entries.push(eq < 0 ? { key: null, value: '', lines } : { key: trimmed.slice(0, eq).trim(), value: trimmed.slice(eq + 1).trim(), lines });
  }
  placeLoose();
  return sections;
}

export function formatUnitFile(file: UnitFile): string {
  const lines = file.flatMap((s) => [...s.header, ...s.entries.flatMap((e) => e.lines)]);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export const sectionsNamed = (file: UnitFile, name: string): UnitSection[] => file.filter((s) => s.name === name);

/** The values a section's key has, in order; an empty assignment clears those before it. */
export function valuesIn(sections: readonly UnitSection[], key: string): string[] {
  let values: string[] = [];
  for (const s of sections) {
    for (const e of s.entries) {
      if (e.key !== key) continue;
      values = e.value === '' ? [] : [...values, e.value];
    }
  }
  return values;
}

/** The values of `key` across every `[section]` of the file (networkd merges repeated sections of one kind). */
export const valuesOf = (file: UnitFile, section: string, key: string): string[] => valuesIn(sectionsNamed(file, section), key);

/** The value in force for a single-valued setting: the last one written, or null. */
export const lastValueOf = (file: UnitFile, section: string, key: string): string | null => valuesOf(file, section, key).at(-1) ?? null;

/** Whether a section holds nothing: no setting, and no comment (before its header or in it). */
const isEmpty = (s: UnitSection) => s.header.slice(0, -1).every((l) => !l.trim()) && s.entries.every((e) => e.key === null && !e.lines.some((l) => l.trim()));

/**
 * Where a new section goes: after the last section that `order` puts before it (sections it does
 * not name do not count), else at the top.
 */
function insertionIndex(file: UnitFile, name: string, order: readonly string[]): number {
  const rank = order.indexOf(name);
  let at = 1; // after the lines before the first header
  file.forEach((s, k) => {
    const r = s.name === null ? -1 : order.indexOf(s.name);
    if (r !== -1 && (rank === -1 || r <= rank)) at = k + 1;
  });
  return rank === -1 ? file.length : at;
}

/** The file with a new section `[name]` holding `settings`, placed by `order`. */
export function withSection(file: UnitFile, name: string, settings: readonly (readonly [string, string])[], order: readonly string[] = []): UnitFile {
  const at = insertionIndex(file, name, order);
  const before = file.slice(0, at);
  const previousLine = [...before].reverse().flatMap((s) => [...s.header, ...s.entries.flatMap((e) => e.lines)].reverse())[0];
  // A blank line between sections, as people write these files.
  const header = previousLine !== undefined && previousLine.trim() ? ['', `[${name}]`] : [`[${name}]`];
  const section: UnitSection = { name, header, entries: settings.map(([k, v]) => entry(k, v)) };
  const after = file.slice(at);
  // The section that now follows ours is separated by a blank line too.
  const next = after[0];
  const spaced = next && next.header[0]?.trim() ? [{ ...next, header: ['', ...next.header] }, ...after.slice(1)] : after;
  return [...before, section, ...spaced];
}

/** The file without the sections `drop` picks (with the comments before their headers); the same object when none is. */
export function withoutSections(file: UnitFile, drop: (s: UnitSection) => boolean): UnitFile {
  const kept = file.filter((s) => s.name === null || !drop(s));
  return kept.length === file.length ? file : kept;
}

/**
 * The file with `key` in `[section]` set to `values`, one line each: every assignment of it in
 * every `[section]` goes, and the new ones take the place of the first, or follow the section's
 * last setting, or go in a new section placed by `order`. Unchanged (the same object) when the
 * file already says exactly that; a section left with nothing in it goes.
 */
export function withValues(file: UnitFile, section: string, key: string, values: readonly string[], order: readonly string[] = []): UnitFile {
  const existing = file.flatMap((s) => (s.name === section ? s.entries.filter((e) => e.key === key).map((e) => e.value) : []));
  if (existing.length === values.length && existing.every((v, k) => v === values[k])) return file;
  const fresh = values.map((v) => entry(key, v));
  const first = file.findIndex((s) => s.name === section && s.entries.some((e) => e.key === key));
  const target = first >= 0 ? first : file.findIndex((s) => s.name === section);
  if (target < 0) return fresh.length ? withSection(file, section, values.map((v) => [key, v] as const), order) : file;
  const out: UnitFile = [];
  file.forEach((s, k) => {
    if (s.name !== section) {
      out.push(s);
      return;
    }
    let entries = s.entries;
    if (k === target) {
      const at = entries.findIndex((e) => e.key === key);
      const lastSetting = entries.reduce((last, e, n) => (e.key !== null ? n : last), -1);
      const insertAt = at >= 0 ? at : lastSetting + 1;
      entries = [...entries.slice(0, insertAt), ...fresh, ...entries.slice(insertAt)];
      entries = entries.filter((e, n) => e.key !== key || (n >= insertAt && n < insertAt + fresh.length));
    } else {
      entries = entries.filter((e) => e.key !== key);
    }
    const emptied = entries !== s.entries && entries.length !== s.entries.length;
    const next = { ...s, entries };
    if (emptied && isEmpty(next) && s.entries.some((e) => e.key === key)) return;
    out.push(next);
  });
  return out;
}
