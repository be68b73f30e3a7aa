'use client';

// Editing an interface's HTB tree from its details: a class (added, or changed when its id is
// one the device has) in people's units, "Remove" beside each class, and u32 filters on the
// root that steer traffic into a class, each with its own "Remove". The browser only turns
// Mbit/s and KiB into the API's fields and says which field it cannot read; what the tree
// cannot take (a class moved to another parent, a class that filters still steer into, an
// address with host bits) the server says, in the same place.
import { useId, useState, type ReactNode } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, useInlineAdd } from '@/components/changes/form-parts';
import { Button } from '@/components/ui/button';
import { childrenOf, findClass, htbRootOf, idMajor, idMinor, leafQdiscOf } from '@/server/plan/htb';
import type { Operation } from '@/server/plan/ops';
import type { TcClass, TcFilter, Topology } from '@/server/topology/model';
import { filterInWords, parseTcRate, parseTcSize, tcClassInWords } from '@/server/topology/words';

/** The qdiscs the form offers under a class (setHtbClass's `leaf`; its pfifo and netem are for scripts). */
export const LEAF_KINDS = ['fq_codel', 'sfq'] as const;
type LeafKind = (typeof LEAF_KINDS)[number];
const isLeafKind = (k: string): k is LeafKind => (LEAF_KINDS as readonly string[]).includes(k);

export const FILTER_PROTOCOLS = { ip: 'IPv4', ipv6: 'IPv6', all: 'all protocols' } as const;
type FilterProtocol = keyof typeof FILTER_PROTOCOLS;
const isFilterProtocol = (p: string): p is FilterProtocol => p in FILTER_PROTOCOLS;

export const IP_PROTOCOLS = ['tcp', 'udp', 'icmp'] as const;
type IpProtocol = (typeof IP_PROTOCOLS)[number];
const isIpProtocol = (p: string): p is IpProtocol => (IP_PROTOCOLS as readonly string[]).includes(p);

/** The class form as typed: rates in Mbit/s, the burst in KiB; empty is "left out". `leaf` is '' for none. */
export interface HtbClassFields {
  classid: string;
  parent: string;
  rateMbit: string;
  ceilMbit: string;
  burstKib: string;
  prio: string;
  leaf: string;
}

/** The filter form as typed; `ipProto` is '' for any. */
export interface TcFilterFields {
  protocol: string;
  src: string;
  dst: string;
  ipProto: string;
  srcPort: string;
  dstPort: string;
  /** A firewall mark, decimal or 0x hex; matched alone (an fw filter). */
  fwMark: string;
  classid: string;
}

/** A number from a field (a decimal comma too), null when empty; NaN when it is not one. */
const numberIn = (text: string): number | null => {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t.replace(',', '.'));
  return Number.isFinite(n) ? n : NaN;
};

/** A port from a field, null when empty; NaN unless a whole number 1-65535. */
const portIn = (text: string): number | null => {
  const t = text.trim();
  if (t === '') return null;
  const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
  return n >= 1 && n <= 65535 ? n : NaN;
};

/**
 * A class id as tc prints it ("1:0A" and "01:a" are "1:a"), or null when it is not MAJOR:MINOR
 * in hex with neither part 0 (minor 0 is the qdisc itself).
 */
export function classIdIn(text: string): string | null {
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(text.trim().toLowerCase());
  if (!m) return null;
  const major = Number.parseInt(m[1]!, 16);
  const minor = Number.parseInt(m[2]!, 16);
  return major && minor ? `${major.toString(16)}:${minor.toString(16)}` : null;
}

/** The class form's fields → setHtbClass, or a sentence naming the field that is wrong. */
export function htbClassOperation(dev: string, f: HtbClassFields): Operation | string {
  if (f.classid.trim() === '') return 'A class needs a class id, such as 1:10.';
  const classid = classIdIn(f.classid);
  if (!classid) return 'The class id must be MAJOR:MINOR in hex, such as 1:10.';
  const rate = numberIn(f.rateMbit);
  if (rate === null) return 'A class needs a rate in Mbit/s.';
  if (Number.isNaN(rate)) return 'The rate must be a number.';
  if (rate <= 0) return 'The rate must be more than 0 Mbit/s.';
  const rateKbit = Math.round(rate * 1000);
  const ceil = numberIn(f.ceilMbit);
  if (ceil !== null && Number.isNaN(ceil)) return 'The ceil must be a number.';
  const ceilKbit = ceil === null ? null : Math.round(ceil * 1000);
  if (ceilKbit !== null && ceilKbit < rateKbit) return 'The ceil must not be below the rate.';
  const burst = numberIn(f.burstKib);
  if (burst !== null && Number.isNaN(burst)) return 'The burst must be a number.';
  if (burst !== null && burst <= 0) return 'The burst must be more than 0 KiB.';
  const prio = numberIn(f.prio);
  if (prio !== null && !(Number.isInteger(prio) && prio >= 0 && prio <= 7)) return 'The priority must be a whole number from 0 to 7.';
  const leaf = f.leaf.trim();
  if (leaf !== '' && !isLeafKind(leaf)) return 'The leaf qdisc must be fq_codel, sfq or none.';
  const parent = f.parent.trim();
  return {
    kind: 'setHtbClass',
    dev,
    classid,
    ...(parent ? { parent } : {}),
    rateKbit,
    ...(ceilKbit !== null ? { ceilKbit } : {}),
    ...(burst !== null ? { burstBytes: Math.round(burst * 1024) } : {}),
    ...(prio !== null ? { prio } : {}),
    ...(leaf !== '' ? { leaf: { kind: leaf as LeafKind } } : {}),
  };
}

/** The filter form's fields → addTcFilter on `parent` (the HTB root's handle), or a sentence naming the field that is wrong. */
export function tcFilterOperation(dev: string, parent: string, f: TcFilterFields): Operation | string {
  if (!isFilterProtocol(f.protocol)) return 'The protocol must be IPv4, IPv6 or all protocols.';
  const ipProto = f.ipProto.trim();
  if (ipProto !== '' && !isIpProtocol(ipProto)) return 'The IP protocol must be tcp, udp, icmp or any.';
  const srcPort = portIn(f.srcPort);
  if (Number.isNaN(srcPort)) return 'The source port must be a whole number from 1 to 65535.';
  const dstPort = portIn(f.dstPort);
  if (Number.isNaN(dstPort)) return 'The destination port must be a whole number from 1 to 65535.';
  const classid = f.classid.trim();
  if (classid === '') return 'Pick the class to steer the traffic into.';
  const src = f.src.trim();
  const dst = f.dst.trim();
  const markText = f.fwMark.trim();
  if (markText !== '') {
    // Hex or decimal without a leading zero (iptables, nft and tc read 010 as octal 8).
    const fwMark = /^(?:0x[0-9a-f]{1,8}|[1-9]\d{0,9})$/i.test(markText) ? Number(markText) : NaN;
    if (!(fwMark >= 1 && fwMark <= 0xffffffff)) return 'The firewall mark must be a whole number from 1 to 4294967295 (or 0x1 to 0xffffffff).';
    if (src || dst || ipProto || srcPort !== null || dstPort !== null) return 'A firewall mark is matched alone: clear the addresses, IP protocol and ports (the rule that sets the mark chooses the traffic), or clear the mark.';
    return { kind: 'addTcFilter', dev, parent, protocol: f.protocol, match: { fwMark }, classid };
  }
  return {
    kind: 'addTcFilter',
    dev,
    parent,
    protocol: f.protocol,
    match: {
      ...(src ? { src } : {}),
      ...(dst ? { dst } : {}),
      ...(ipProto ? { ipProto: ipProto as IpProtocol } : {}),
      ...(srcPort !== null ? { srcPort } : {}),
      ...(dstPort !== null ? { dstPort } : {}),
    },
    classid,
  };
}

/** Takes away the filters at one pref of `parent` (tc deletes a pref as a whole). */
export const removeTcFilterOperation = (dev: string, parent: string, pref: number): Operation => ({ kind: 'removeTcFilter', dev, parent, pref });

const minorOf = (classid: string) => Number.parseInt(idMinor(classid), 16);

/** The HTB classes under the device's HTB root, by minor; none when its root is not HTB. */
export function htbClassesOf(t: Topology, dev: string): TcClass[] {
  const root = htbRootOf(t, dev);
  if (!root) return [];
  const major = idMajor(root.handle);
  return t.classes.filter((c) => c.dev === dev && c.kind === 'htb' && idMajor(c.classid) === major).sort((a, b) => minorOf(a.classid) - minorOf(b.classid));
}

/**
 * The id to offer for a new class: the next ten (in tc's hex) above the highest minor in use
 * under the root's major, as people number classes (1:30 after 1:1, 1:10 and 1:20); the
 * lowest free minor once that runs past ffff. Null without an HTB root, or when all are taken.
 */
export function nextFreeClassId(t: Topology, dev: string): string | null {
  const root = htbRootOf(t, dev);
  if (!root) return null;
  const major = idMajor(root.handle);
  // Every class of that major counts, not only HTB's: the ids are one space.
  const used = new Set(t.classes.filter((c) => c.dev === dev && idMajor(c.classid) === major).map((c) => minorOf(c.classid)));
  const next = (Math.floor(Math.max(0, ...used) / 0x10) + 1) * 0x10;
  if (next <= 0xffff) return `${major}:${next.toString(16)}`;
  for (let n = 1; n <= 0xffff; n++) if (!used.has(n)) return `${major}:${n.toString(16)}`;
  return null;
}

/** A decimal without float noise: 0.1 + 0.2 -> "0.3", 10 -> "10". */
const plain = (v: number) => String(Number(v.toFixed(6)));

/**
 * The class form filled with an existing class as read (rates in Mbit/s, the burst in KiB),
 * for changing it: `tc class change` sets every value, so what is left out would go back to
 * tc's default. The leaf is left empty (keep the qdisc it has). Null when there is no such class.
 */
export function classFieldsOf(t: Topology, dev: string, classid: string): HtbClassFields | null {
  const root = htbRootOf(t, dev);
  const c = findClass(t, dev, classid);
  if (!root || !c || c.kind !== 'htb') return null;
  const rate = c.rate ? parseTcRate(c.rate) : null;
  const ceil = c.ceil ? parseTcRate(c.ceil) : null;
  const burst = c.burst ? parseTcSize(c.burst) : null;
  return {
    classid: c.classid,
    parent: c.parent ?? root.handle,
    rateMbit: rate === null ? '' : plain(rate / 1e6),
    ceilMbit: ceil === null ? '' : plain(ceil / 1e6),
    // Bytes / 1024 is exact in binary, so the KiB shown comes back as the same bytes.
    burstKib: burst === null ? '' : String(burst / 1024),
    prio: c.prio === null || c.prio === undefined ? '' : String(c.prio),
    leaf: '',
  };
}

/** Filters whose removal Switchboard can undo exactly (plan/tc.ts filterArgs), so Remove is offered. */
const REMOVABLE_FILTER_KINDS = new Set(['u32', 'fw', 'flower']);

/** The u32 filters on the root, one entry per pref (what removeTcFilter takes away together). */
export function rootFiltersByPref(t: Topology, dev: string): { parent: string; pref: number; filters: TcFilter[] }[] {
  const root = htbRootOf(t, dev);
  if (!root) return [];
  const byPref = new Map<number, TcFilter[]>();
  for (const f of t.filters ?? []) {
    if (f.dev !== dev || f.parent !== root.handle || !REMOVABLE_FILTER_KINDS.has(f.kind)) continue;
    byPref.set(f.pref, [...(byPref.get(f.pref) ?? []), f]);
  }
  return [...byPref.entries()].sort(([a], [b]) => a - b).map(([pref, filters]) => ({ parent: root.handle, pref, filters }));
}

const blankClass = (parent: string): Omit<HtbClassFields, 'classid'> => ({ parent, rateMbit: '', ceilMbit: '', burstKib: '', prio: '', leaf: '' });

function HtbClasses({ topology, dev, rootHandle }: { topology: Topology; dev: string; rootHandle: string }) {
  const classes = htbClassesOf(topology, dev);
  const suggested = nextFreeClassId(topology, dev) ?? '';
  // null: the suggested id, which moves on as the draft adds classes.
  const [typedId, setTypedId] = useState<string | null>(null);
  const [fields, setFields] = useState(() => blankClass(rootHandle));
  // The fields hold a class as read and nobody has typed in them since: typing on to another id clears them.
  const [prefilled, setPrefilled] = useState(false);
  const { run, errors, busy } = useInlineAdd();
  const listId = useId();
  const classid = typedId ?? suggested;
  const normal = classIdIn(classid);
  const existing = normal ? findClass(topology, dev, normal) : undefined;
  const set = (key: keyof typeof fields, value: string) => {
    setFields({ ...fields, [key]: value });
    setPrefilled(false);
  };
  const edit = (id: string) => {
    setTypedId(id);
    const c = classIdIn(id);
    const filled = c ? classFieldsOf(topology, dev, c) : null;
    if (filled) {
      setFields({ parent: filled.parent, rateMbit: filled.rateMbit, ceilMbit: filled.ceilMbit, burstKib: filled.burstKib, prio: filled.prio, leaf: filled.leaf });
      setPrefilled(true);
    } else if (prefilled) {
      setFields(blankClass(rootHandle));
      setPrefilled(false);
    }
  };
  const submit = () =>
    run(htbClassOperation(dev, { classid, ...fields }), () => {
      setTypedId(null);
      setFields(blankClass(rootHandle));
      setPrefilled(false);
    });
  return (
    <div className="space-y-1">
      {classes.length > 0 && (
        <ul className="space-y-1">
          {classes.map((c) => (
            <ActionRow
              key={c.classid}
              data={{ 'data-testid': 'htb-class', 'data-classid': c.classid }}
              what={
                <>
                  <span className="font-mono text-slate-700">{c.classid}</span> <span className="text-slate-600">{tcClassInWords(c)}</span>
                </>
              }
            >
              <Button type="button" variant="secondary" className="!px-2 !py-1 text-xs" onClick={() => edit(c.classid)}>
                Edit
              </Button>
              <ActionButton op={{ kind: 'removeHtbClass', dev, classid: c.classid }} label="Remove" variant="danger" />
            </ActionRow>
          ))}
        </ul>
      )}
      <div data-testid="htb-class-form">
        <h6 className="mb-0.5 font-medium text-slate-600">Add or change a class</h6>
        <InlineForm label={existing ? 'Change' : 'Add'} busy={busy} errors={errors} onSubmit={submit}>
          <div className="grid grid-cols-2 gap-1">
            <input aria-label="Class id" placeholder="class id, e.g. 1:10" list={listId} className={CONTROL} value={classid} onChange={(e) => edit(e.target.value.trim())} spellCheck={false} />
            <datalist id={listId}>
              {classes.map((c) => (
                <option key={c.classid} value={c.classid} />
              ))}
            </datalist>
            <select
              aria-label="Parent"
              className={CONTROL}
              value={fields.parent}
              onChange={(e) => set('parent', e.target.value)}
              disabled={!!existing}
              title={existing ? 'HTB cannot move a class: remove it and add it again under another parent.' : undefined}
            >
              <option value={rootHandle}>under {rootHandle} (the root)</option>
              {classes
                .filter((c) => c.classid !== normal)
                .map((c) => (
                  <option key={c.classid} value={c.classid}>
                    under {c.classid}
                  </option>
                ))}
            </select>
            <input aria-label="Rate (Mbit/s)" placeholder="rate, Mbit/s" inputMode="decimal" className={CONTROL} value={fields.rateMbit} onChange={(e) => set('rateMbit', e.target.value.trim())} />
            <input aria-label="Ceil (Mbit/s)" placeholder="ceil, Mbit/s (= rate)" inputMode="decimal" className={CONTROL} value={fields.ceilMbit} onChange={(e) => set('ceilMbit', e.target.value.trim())} />
            <input aria-label="Burst (KiB)" placeholder="burst, KiB (auto)" inputMode="decimal" className={CONTROL} value={fields.burstKib} onChange={(e) => set('burstKib', e.target.value.trim())} />
            <input aria-label="Priority (0-7)" placeholder="priority 0-7 (0)" inputMode="numeric" className={CONTROL} value={fields.prio} onChange={(e) => set('prio', e.target.value.trim())} />
            <select aria-label="Leaf qdisc" className={`${CONTROL} col-span-2`} value={fields.leaf} onChange={(e) => set('leaf', e.target.value)}>
              <option value="">{existing ? 'keep the qdisc under it' : 'no qdisc under it (kernel default)'}</option>
              {LEAF_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k} under it
                </option>
              ))}
            </select>
          </div>
        </InlineForm>
      </div>
    </div>
  );
}

/** One listed class or filter: what it is in words, its buttons on the right. */
function ActionRow({ data, what, children }: { data: Record<string, string | number>; what: ReactNode; children: ReactNode }) {
  return (
    <li {...data} className="flex items-start justify-between gap-2">
      <span className="min-w-0 pt-1">{what}</span>
      <span className="flex shrink-0 items-start gap-1">{children}</span>
    </li>
  );
}

/** "into 1:10 (fq_codel under it)", "into 1:1 (has classes under it)": what the class select offers. */
function targetInWords(t: Topology, dev: string, classid: string): string {
  const leaf = leafQdiscOf(t, dev, classid);
  const note = childrenOf(t, dev, classid).length ? ' (has classes under it)' : leaf ? ` (${leaf.kind} under it)` : '';
  return `into ${classid}${note}`;
}

const blankFilter = (protocol: string, classid: string): TcFilterFields => ({ protocol, src: '', dst: '', ipProto: '', srcPort: '', dstPort: '', fwMark: '', classid });

function HtbFilters({ topology, dev, rootHandle }: { topology: Topology; dev: string; rootHandle: string }) {
  const classes = htbClassesOf(topology, dev);
  const groups = rootFiltersByPref(topology, dev);
  const [fields, setFields] = useState(() => blankFilter('ip', ''));
  const { run, errors, busy } = useInlineAdd();
  const set = (key: keyof TcFilterFields, value: string) => setFields({ ...fields, [key]: value });
  const submit = () => run(tcFilterOperation(dev, rootHandle, fields), () => setFields(blankFilter(fields.protocol, fields.classid)));
  return (
    <div className="space-y-1">
      {groups.length > 0 && (
        <ul className="space-y-1">
          {groups.map((g) => (
            <ActionRow
              key={g.pref}
              data={{ 'data-testid': 'htb-filter', 'data-pref': g.pref }}
              what={
                <span className="text-slate-600">
                  {g.filters.map(filterInWords).join('; ')} <span className="text-slate-500">(pref {g.pref})</span>
                </span>
              }
            >
              <ActionButton op={removeTcFilterOperation(dev, g.parent, g.pref)} label="Remove" variant="danger" />
            </ActionRow>
          ))}
        </ul>
      )}
      <div data-testid="htb-filter-form">
        <h6 className="mb-0.5 font-medium text-slate-600">Steer traffic into a class</h6>
        <InlineForm label="Steer" busy={busy} errors={errors} onSubmit={submit}>
          <div className="grid grid-cols-2 gap-1">
            <select aria-label="Protocol" className={CONTROL} value={fields.protocol} onChange={(e) => set('protocol', e.target.value)}>
              {Object.entries(FILTER_PROTOCOLS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <select aria-label="IP protocol" className={CONTROL} value={fields.ipProto} onChange={(e) => set('ipProto', e.target.value)}>
              <option value="">any IP protocol</option>
              {IP_PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
            <input aria-label="Source (CIDR)" placeholder="from, e.g. 10.0.0.0/24" className={CONTROL} value={fields.src} onChange={(e) => set('src', e.target.value.trim())} spellCheck={false} />
            <input aria-label="Destination (CIDR)" placeholder="to, e.g. 10.0.1.5" className={CONTROL} value={fields.dst} onChange={(e) => set('dst', e.target.value.trim())} spellCheck={false} />
            <input aria-label="Source port" placeholder="from port" inputMode="numeric" className={CONTROL} value={fields.srcPort} onChange={(e) => set('srcPort', e.target.value.trim())} />
            <input aria-label="Destination port" placeholder="to port" inputMode="numeric" className={CONTROL} value={fields.dstPort} onChange={(e) => set('dstPort', e.target.value.trim())} />
            <input
              aria-label="Firewall mark"
              placeholder="or a firewall mark (nft meta mark set), alone"
              title="Traffic a firewall rule marked (nft meta mark set, iptables -j MARK): matched by the mark alone"
              className={`${CONTROL} col-span-2`}
              value={fields.fwMark}
              onChange={(e) => set('fwMark', e.target.value.trim())}
              spellCheck={false}
            />
            <select aria-label="Class" className={`${CONTROL} col-span-2`} value={fields.classid} onChange={(e) => set('classid', e.target.value)}>
              <option value="">into class…</option>
              {classes.map((c) => (
                <option key={c.classid} value={c.classid}>
                  {targetInWords(topology, dev, c.classid)}
                </option>
              ))}
            </select>
          </div>
        </InlineForm>
      </div>
    </div>
  );
}

/** An HTB root's classes and filters, editable: for people who may edit, on a device whose root qdisc is HTB. */
export function HtbEditor({ topology, dev }: { topology: Topology; dev: string }) {
  const editor = useOptionalDraftEditor();
  const root = htbRootOf(topology, dev);
  if (!editor?.canEdit || !root) return null;
  return (
    <div data-testid="htb-editor" className="space-y-2 text-xs">
      <h5 className="font-medium text-slate-600">HTB classes on {dev}</h5>
      <HtbClasses key={`classes ${dev} ${root.handle}`} topology={topology} dev={dev} rootHandle={root.handle} />
      <h5 className="font-medium text-slate-600">Filters on {dev}</h5>
      <HtbFilters key={`filters ${dev} ${root.handle}`} topology={topology} dev={dev} rootHandle={root.handle} />
    </div>
  );
}
