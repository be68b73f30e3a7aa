// Open vSwitch's database as the probe reads it: `ovs-vsctl --format=json` with one `list` per
// table (probe.ts OVS_COLUMNS), one JSON document a line, each {"headings": [...], "data": [[...]]}.
// Pure. Columns are found by their heading, not their position.
//
// Values are OVSDB's JSON (RFC 7047 5.1): an atom is a string, number or boolean, a reference is
// ["uuid", "..."]; a set of exactly one atom is the atom itself, any other set is ["set", [...]]
// (so an unset optional column such as `tag` is ["set", []]); a map is ["map", [[key, value], ...]].
//
// Names come from the database and may hold anything (quotes, `$(...)`, newlines, a probe marker):
// ovs-vsctl's JSON escapes control characters, so a name stays on its line and is kept verbatim.
import { z } from 'zod';
import type { OvsBridge, OvsInterface, OvsPort, OvsState } from '../model';
import { OVS_TIMEOUT_S } from '../probe';
import { ProbeParseError } from './errors';

const ZTable = z.object({ headings: z.array(z.string()), data: z.array(z.array(z.unknown())) });
type Row = Record<string, unknown>;

const TABLES = ['Open_vSwitch', 'Bridge', 'Port', 'Interface'] as const;

/** The atoms of a set column: `["set", [a, b]]` -> [a, b], a lone atom -> [it]. */
function atoms(value: unknown): unknown[] {
  if (Array.isArray(value) && value[0] === 'set' && Array.isArray(value[1])) return value[1];
  return value === undefined ? [] : [value];
}

/** The referenced row's id of `["uuid", "..."]`, else null. */
function uuidOf(atom: unknown): string | null {
  return Array.isArray(atom) && atom[0] === 'uuid' && typeof atom[1] === 'string' ? atom[1] : null;
}

const uuids = (value: unknown): string[] => atoms(value).map(uuidOf).filter((u): u is string => u !== null);

/** An optional column (a set of at most one): its atom, or null when unset. */
function optional(value: unknown): unknown {
  const a = atoms(value);
  return a.length ? a[0] : null;
}

const optionalString = (value: unknown): string | null => {
  const v = optional(value);
  return typeof v === 'string' && v !== '' ? v : null;
};

const optionalInt = (value: unknown): number | null => {
  const v = optional(value);
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
};

/** `["map", [[k, v], ...]]` -> { k: v } (string values only: options and external_ids are string maps). */
function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(value) || value[0] !== 'map' || !Array.isArray(value[1])) return out;
  for (const pair of value[1]) {
    if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out[pair[0]] = pair[1];
  }
  return out;
}

/** Splits the section into its tables (by their headings), each row keyed by column name. */
function tablesOf(body: string): Record<(typeof TABLES)[number], Row[]> {
  // ovs-vsctl's warnings share the section (stderr is kept for when it fails): only the
  // documents count.
  const docs = body
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new ProbeParseError('ovs', `table ${i + 1} is not valid JSON (${(err as Error).message})`);
      }
      const table = ZTable.safeParse(value);
      if (!table.success) throw new ProbeParseError('ovs', `table ${i + 1} has an unexpected shape (${table.error.issues[0]!.message})`);
      return table.data.data.map((cells) => Object.fromEntries(table.data.headings.map((h, c) => [h, cells[c]])));
    });
  if (docs.length !== TABLES.length) throw new ProbeParseError('ovs', `expected ${TABLES.length} tables (${TABLES.join(', ')}), got ${docs.length}`);
  return Object.fromEntries(TABLES.map((t, i) => [t, docs[i]!])) as Record<(typeof TABLES)[number], Row[]>;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Where a tunnel's UDP port is not the protocol's default it says so; a number, or null. */
function portOption(options: Record<string, string>): number | null {
  const n = Number(options.dst_port);
  return options.dst_port !== undefined && Number.isInteger(n) && n > 0 ? n : null;
}

function interfaceOf(row: Row): OvsInterface {
  const options = stringMap(row.options);
  const externalIds = stringMap(row.external_ids);
  const type = typeof row.type === 'string' && row.type !== '' ? row.type : 'system';
  return {
    name: String(row.name),
    type,
    remote: options.remote_ip ?? null,
    local: options.local_ip ?? null,
    key: options.key ?? null,
    dstPort: portOption(options),
    peer: options.peer ?? null,
    // libvirt sets these on a VM's tap (with iface-id and vm-id): the NIC's MAC names it.
    attachedMac: externalIds['attached-mac'] ?? null,
    error: optionalString(row.error),
  };
}

/**
 * The database's bridges with their ports and interfaces, ordered by name (OVSDB's row order is
 * arbitrary: another order must not look like another configuration). Rows no bridge refers to
 * (the database collects them) are left out. A section without output means ovs-vsctl is not
 * installed: no Open vSwitch (undefined).
 */
export function parseOvs(body: string): OvsState | undefined {
  if (body.trim() === '') return undefined;
  const tables = tablesOf(body);
  const interfaces = new Map(tables.Interface.map((r) => [uuidOf(r._uuid), interfaceOf(r)]));
  const ports = new Map(
    tables.Port.map((r): [string | null, OvsPort] => {
      const members = uuids(r.interfaces)
        .map((u) => interfaces.get(u))
        .filter((i): i is OvsInterface => i !== undefined)
        .sort(byName);
      return [
        uuidOf(r._uuid),
        {
          name: String(r.name),
          tag: optionalInt(r.tag),
          trunks: atoms(r.trunks)
            .filter((v): v is number => typeof v === 'number')
            .sort((a, b) => a - b),
          vlanMode: optionalString(r.vlan_mode),
          // A port with more than one interface is a bond (OVS has no other kind of bond).
          bond: members.length > 1 ? { mode: optionalString(r.bond_mode), lacp: optionalString(r.lacp) } : null,
          interfaces: members,
        },
      ];
    }),
  );
  const bridges: OvsBridge[] = tables.Bridge.map((r) => ({
    name: String(r.name),
    ports: uuids(r.ports)
      .map((u) => ports.get(u))
      .filter((p): p is OvsPort => p !== undefined)
      .sort(byName),
  })).sort(byName);
  return { version: optionalString(tables.Open_vSwitch[0]?.ovs_version), bridges };
}

/**
 * Whether a failed read leaves nothing unseen: ovs-vsctl is installed but its database has no
 * socket (ovsdb-server is not running: exit 1, "No such file or directory") and the kernel has
 * no Open vSwitch datapath, so there is no switch to miss. Anything else (a timeout, a refusal,
 * a datapath with ports) is a part of the host that could not be read.
 */
export function ovsAbsentAnyway(exitCode: number, body: string, kernelHasDatapath: boolean): boolean {
  return exitCode === 1 && !kernelHasDatapath && /database connection failed \(No such file or directory\)/.test(body);
}

/** Why the section failed, in words for the UI (after "Open vSwitch: ", missingInWords). */
export function ovsMissingReason(exitCode: number, body: string): string {
  if (exitCode === 142) return `its database did not answer in time (ovs-vsctl gave up after ${OVS_TIMEOUT_S} s)`;
  const said = body.split('\n').find((l) => l.startsWith('ovs-vsctl:'))?.replace(/^ovs-vsctl:\s*/, '');
  return `its database could not be read (${said ?? `ovs-vsctl exit code ${exitCode}`})`;
}
