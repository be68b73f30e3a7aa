import { z } from 'zod';
import type { NetInterface, Qdisc, TcClass, Topology } from '@/server/topology/model';
import { bitRateInWords, parseTcRate, qdiscSettingsInWords, sizeInWords } from '@/server/topology/words';
import { ZIfName } from '../fields';
import {
  checkNewClassParent,
  checkUnderRoot,
  childrenOf,
  classCommands,
  classInWords,
  defaultHtbBurst,
  exactClassArgs,
  findClass,
  htbRootOf,
  idMajor,
  ifaceOf,
  leafHandleFor,
  leafProblem,
  leafQdiscOf,
  needHtbRoot,
  newClassWarnings,
  restoreOpOf,
  sameQdisc,
  undoOfClassAdd,
  withHtbClass,
  type Leaf,
} from '../htb';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { rateArg } from '../tc';
import { htbBurstText, tcArithmeticOf, tcRateText } from '../tc-arithmetic';
import { checkTcOwner } from '../tc-checks';
import { comparedOptions, netemProblems, projectedQdisc, qdiscSpecArgs, qdiscSpecInWords, ZFqCodelSpec, ZNetemSpec, ZPfifoSpec, ZRateKbit, ZSfqSpec } from './set-qdisc';

/** An HTB class id as tc prints it (hex, lower case, no leading zeros): "1:10". Minor 0 is the qdisc itself. */
export const ZHtbClassId = z
  .string()
  .regex(/^[1-9a-f][0-9a-f]{0,3}:[1-9a-f][0-9a-f]{0,3}$/, 'An HTB class id is MAJOR:MINOR in hex as tc prints it, such as 1:10 (lower case, no leading zeros; minor 0 is the qdisc itself).');
const ZHtbParent = z
  .string()
  .regex(/^[1-9a-f][0-9a-f]{0,3}:(?:[1-9a-f][0-9a-f]{0,3})?$/, "A class's parent is its HTB root qdisc (such as 1:) or a class under it (such as 1:1), in hex as tc prints them.");

/** The qdiscs people put under an HTB class, with the settings of setQdisc's (sfq only here). */
export const ZLeafSpec = z.discriminatedUnion('kind', [ZFqCodelSpec, ZSfqSpec, ZPfifoSpec, ZNetemSpec]);
export type LeafSpec = z.output<typeof ZLeafSpec>;

const BURST = 'A burst is 1 byte to 4 GiB.';
const PRIO = 'An HTB priority is 0-7 (0 goes first).';

/**
 * Adds an HTB class under the device's HTB root (or under one of its classes), or changes the
 * one of that id: the class is then exactly this. What is left out is tc's default, as
 * `tc class change` sets it: ceil = rate, tc's burst, priority 0; a leaf left out keeps the
 * qdisc the class has (a new class gets the kernel's default queue). Field names are a stable
 * API (issue 13).
 */
export const setHtbClassSchema = z.object({
  kind: z.literal('setHtbClass'),
  dev: ZIfName,
  classid: ZHtbClassId,
  /** The root qdisc's handle ("1:", the default for a new class) or a class ("1:1"); a class keeps the parent it has. */
  parent: ZHtbParent.optional(),
  rateKbit: ZRateKbit,
  ceilKbit: ZRateKbit.optional(),
  burstBytes: z.number().int('A burst is a whole number of bytes.').min(1, BURST).max(2 ** 32 - 1, BURST).optional(),
  prio: z.number().int(PRIO).min(0, PRIO).max(7, PRIO).optional(),
  leaf: ZLeafSpec.optional(),
});
type SetHtbClass = z.output<typeof setHtbClassSchema>;

const rateBytes = (kbit: number) => kbit * 125;
const kbitWords = (kbit: number) => bitRateInWords(kbit * 1000);

/** Where the class goes on `t`: the HTB root, the class of that id if there is one, and its parent (null: the root). */
function placeOf(op: SetHtbClass, t: Topology): { root: Qdisc; existing: TcClass | undefined; parent: string | null } | null {
  const root = htbRootOf(t, op.dev);
  if (!root) return null;
  const existing = findClass(t, op.dev, op.classid);
  const parent = op.parent ?? (existing ? (existing.parent ?? root.handle) : root.handle);
  return { root, existing, parent: parent === root.handle ? null : parent };
}

/** The class as tc will print it (tc-arithmetic.ts: the bursts tc prints back). */
function projectedClass(op: SetHtbClass, parent: string | null, t: Topology): TcClass {
  const a = tcArithmeticOf(t);
  const rate = rateBytes(op.rateKbit);
  const ceil = rateBytes(op.ceilKbit ?? op.rateKbit);
  return {
    dev: op.dev,
    kind: 'htb',
    classid: op.classid,
    parent,
    rate: tcRateText(rate),
    ceil: tcRateText(ceil),
    burst: htbBurstText(rate, op.burstBytes ?? defaultHtbBurst(rate), a),
    cburst: htbBurstText(ceil, defaultHtbBurst(ceil), a),
    prio: op.prio ?? 0,
    leaf: null,
  };
}

/** `htb rate 10Mbit [ceil 20Mbit] [burst 15000] [prio 1]`: what people gave, the rest tc's defaults. */
const classArgs = (op: SetHtbClass) => [
  'htb',
  'rate',
  rateArg(rateBytes(op.rateKbit)),
  ...(op.ceilKbit !== undefined ? ['ceil', rateArg(rateBytes(op.ceilKbit))] : []),
  ...(op.burstBytes !== undefined ? ['burst', String(op.burstBytes)] : []),
  ...(op.prio !== undefined ? ['prio', String(op.prio)] : []),
];

/** The qdisc to put under the class, as the probe will read it, with its arguments; undefined when none is asked for or the class has it already. */
function leafOf(op: SetHtbClass, t: Topology, i: NetInterface): (Leaf & { args: string[] }) | undefined {
  if (!op.leaf) return undefined;
  const handle = leafHandleFor(t, op.dev, op.classid);
  if (!handle) return undefined;
  const { qdisc, classes } = projectedQdisc(op.dev, op.leaf, i, t, { handle, parent: op.classid });
  if (sameQdisc(leafQdiscOf(t, op.dev, op.classid), qdisc)) return undefined;
  return { qdisc, classes, args: qdiscSpecArgs(op.leaf, i) };
}

/** "fq_codel under it", "pfifo of 100 packets under it", "netem (delay 10 ms, loss 1%) under it". */
function leafInWords(q: LeafSpec): string {
  if (q.kind === 'pfifo') return q.limitPackets ? `pfifo of ${q.limitPackets} packets under it` : 'pfifo under it';
  if (q.kind === 'netem') {
    const words = qdiscSpecInWords(q);
    return `${words.startsWith('netem') ? words : `netem (${words})`} under it`;
  }
  return `${q.kind} under it`;
}

/** The rate tc prints for `kbit` differs from it ("1234Mbit" for 1234567 kbit/s): what to say instead, or null. */
function inexactRate(kbit: number, what: string, op: SetHtbClass): string | null {
  const text = tcRateText(rateBytes(kbit));
  const printed = parseTcRate(text);
  if (printed === kbit * 1000 || printed === null) return null;
  const step = parseTcRate(`1${text.replace(/^\d+/, '')}`) ?? 1000;
  return `tc prints a ${what} of ${kbit} kbit/s as ${text}, so class ${op.classid} on ${op.dev} would not read back as set; choose ${printed / 1000} or ${(printed + step) / 1000} kbit/s.`;
}

export const setHtbClass = defineKind({
  schema: setHtbClassSchema,
  describe: (op) => {
    const under = op.parent && !op.parent.endsWith(':') ? ` under ${op.parent}` : '';
    const parts = [
      kbitWords(op.rateKbit),
      op.ceilKbit !== undefined && op.ceilKbit !== op.rateKbit && `up to ${kbitWords(op.ceilKbit)}`,
      op.burstBytes !== undefined && `burst ${sizeInWords(op.burstBytes)}`,
      op.prio !== undefined && `priority ${op.prio}`,
      op.leaf && leafInWords(op.leaf),
    ];
    return `HTB class ${op.classid}${under} on ${op.dev}: ${parts.filter(Boolean).join(', ')}`;
  },
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    const i = checkTcOwner(c, op.dev);
    if (!i) return;
    const root = needHtbRoot(c, op.dev);
    if (!root || !checkUnderRoot(c, op.dev, op.classid, root)) return;
    const place = placeOf(op, c.t)!;
    const { existing, parent } = place;
    if (existing && existing.kind !== 'htb') return void c.errors.push(`${op.classid} on ${op.dev} is a ${existing.kind} class, not an HTB one.`);
    if (op.parent !== undefined && op.parent !== root.handle && (op.parent.endsWith(':') || idMajor(op.parent) !== idMajor(root.handle))) {
      return void c.errors.push(`The parent of class ${op.classid} on ${op.dev} is ${op.parent}, which is neither ${op.dev}'s HTB root qdisc (${root.handle}) nor a class under it.`);
    }
    if (parent === op.classid) return void c.errors.push(`Class ${op.classid} on ${op.dev} cannot be its own parent.`);
    if (existing) {
      const now = existing.parent ?? root.handle;
      if (now !== (parent ?? root.handle)) return void c.errors.push(`Class ${op.classid} on ${op.dev} is under ${now}; HTB cannot move a class to another parent: remove it and add it again under ${parent ?? root.handle}.`);
      const args = exactClassArgs(existing, tcArithmeticOf(c.t));
      if ('why' in args) return void c.errors.push(`${op.dev}'s current tc tree holds ${args.why} Switchboard cannot put back exactly after a change; remove it by hand first.`);
    } else if (!checkNewClassParent(c, op.dev, op.classid, parent, root)) {
      return;
    }
    const ceil = op.ceilKbit ?? op.rateKbit;
    if (ceil < op.rateKbit) c.errors.push(`Class ${op.classid} on ${op.dev}: its ceiling (${kbitWords(ceil)}) is below its rate (${kbitWords(op.rateKbit)}); the ceiling is the most the class may take, so at least its rate.`);
    for (const [kbit, what] of [[op.rateKbit, 'rate'], [ceil, 'ceiling']] as const) {
      const problem = inexactRate(kbit, what, op);
      if (problem && !(what === 'ceiling' && ceil === op.rateKbit)) c.errors.push(problem);
    }
    if (op.burstBytes !== undefined) {
      const frame = i.mtu + 14;
      if (op.burstBytes < frame) c.errors.push(`The burst of class ${op.classid} on ${op.dev} (${op.burstBytes} bytes) is less than a full frame (${frame} bytes at MTU ${i.mtu}); give at least ${frame} bytes, or leave it out for tc's default.`);
      if (op.burstBytes > rateBytes(op.rateKbit) * 60) c.errors.push(`The burst of class ${op.classid} on ${op.dev} (${sizeInWords(op.burstBytes)}) is more than a minute of traffic at ${kbitWords(op.rateKbit)}; tc cannot hold a burst that long.`);
    }
    if (op.leaf) {
      const inner = existing ? childrenOf(c.t, op.dev, op.classid) : [];
      if (inner.length) return void c.errors.push(`Class ${op.classid} on ${op.dev} has classes under it (${inner.map((x) => x.classid).join(', ')}); only a class without classes under it holds a qdisc.`);
      if (op.leaf.kind === 'netem') c.errors.push(...netemProblems(op.leaf, `under class ${op.classid} on ${op.dev}`));
      const why = existing ? leafProblem(c.t, op.dev, op.classid) : null;
      if (why) c.errors.push(`Class ${op.classid} on ${op.dev} holds ${why}, which Switchboard could not put back exactly after replacing it; take it off by hand first.`);
      if (!leafHandleFor(c.t, op.dev, op.classid)) c.errors.push(`${op.dev} has no qdisc handle left below 8000: for a qdisc under class ${op.classid}.`);
    }
    if (!c.errors.length && existing && !setHtbClass.render(op, c.t).length) c.errors.push(`HTB class ${op.classid} on ${op.dev} is already set this way.`);
  },
  warnings(op, before) {
    const place = placeOf(op, before);
    if (!place) return [];
    const out: string[] = [];
    const rate = op.rateKbit * 1000;
    const p = place.parent ? findClass(before, op.dev, place.parent) : undefined;
    if (p) {
      const parentCeil = p.ceil ? parseTcRate(p.ceil) : null;
      const parentRate = p.rate ? parseTcRate(p.rate) : null;
      const promised = childrenOf(before, op.dev, p.classid)
        .filter((x) => x.classid !== op.classid)
        .reduce((sum, x) => sum + (parseTcRate(x.rate ?? '') ?? 0), rate);
      if (parentCeil !== null && rate > parentCeil) {
        out.push(`HTB cannot give class ${op.classid} on ${op.dev} its ${kbitWords(op.rateKbit)}: its parent ${p.classid} takes at most ${bitRateInWords(parentCeil)} (its ceiling).`);
      } else if (parentRate !== null && promised > parentRate) {
        out.push(`The classes under ${p.classid} on ${op.dev} would be promised ${bitRateInWords(promised)} together, more than ${p.classid}'s own ${bitRateInWords(parentRate)}; HTB cannot keep every promise while they are all busy.`);
      }
    }
    out.push(...newClassWarnings(before, op.dev, op.classid, place.parent, place.root.handle));
    if (op.prio !== undefined && place.existing && childrenOf(before, op.dev, op.classid).length) out.push(`Class ${op.classid} on ${op.dev} has classes under it; HTB uses the priority of leaf classes only.`);
    return out;
  },
  project(op, t) {
    const place = placeOf(op, t);
    const i = ifaceOf(t, op.dev);
    if (!place || !i) return t;
    const leaf = leafOf(op, t, i);
    return withHtbClass(t, projectedClass(op, place.parent, t), leaf && { qdisc: leaf.qdisc, classes: leaf.classes });
  },
  render(op, t) {
    const place = placeOf(op, t);
    const i = ifaceOf(t, op.dev);
    if (!place || !i) throw new Error(`render: ${op.dev} has no HTB root (validate first)`);
    const leaf = leafOf(op, t, i);
    return classCommands(t, projectedClass(op, place.parent, t), classArgs(op), place.root.handle, leaf && { qdisc: leaf.qdisc, args: leaf.args });
  },
  invert(op, before): Operation[] {
    const place = placeOf(op, before);
    if (!place) return [];
    return place.existing ? [restoreOpOf(before, op.dev, op.classid)] : undoOfClassAdd(before, op.dev, op.classid, place.parent).ops;
  },
  verify(op, intended, after) {
    const want = findClass(intended, op.dev, op.classid);
    // A later step of the same change removed it: that step says what it expected.
    if (!want) return [];
    const have = findClass(after, op.dev, op.classid);
    if (!have) return [`${op.dev} shows no HTB class ${op.classid}; the plan intended one (${classInWords(want)}).`];
    // What this operation decides: rate, ceil, priority (a leaf's), the burst when given; the parent it is under.
    const decided = (c: TcClass) => classInWords({ ...c, burst: op.burstBytes !== undefined ? c.burst : null, cburst: null, prio: want.prio === null ? null : c.prio });
    const out = decided(have) !== decided(want) ? [`${op.dev}'s HTB class ${op.classid} is ${decided(have)}; the plan intended ${decided(want)}.`] : [];
    const wantLeaf = op.leaf ? leafQdiscOf(intended, op.dev, op.classid) : undefined;
    if (!wantLeaf || wantLeaf.kind !== op.leaf?.kind) return out;
    const haveLeaf = leafQdiscOf(after, op.dev, op.classid);
    if (!haveLeaf || haveLeaf.kind !== wantLeaf.kind || haveLeaf.handle !== wantLeaf.handle) {
      return [...out, `${op.dev}'s class ${op.classid} has ${haveLeaf ? `${haveLeaf.kind} ${haveLeaf.handle}` : "the kernel's default queue"} under it; the plan intended ${wantLeaf.kind} ${wantLeaf.handle}.`];
    }
    const keys = comparedOptions(op.leaf);
    const pick = (q: Qdisc) => ({ ...q, options: Object.fromEntries(keys.filter((k) => k in q.options).map((k) => [k, q.options[k]])) });
    const [w, h] = [qdiscSettingsInWords(pick(wantLeaf)), qdiscSettingsInWords(pick(haveLeaf))];
    return w !== h ? [...out, `${op.dev}'s ${haveLeaf.kind} under class ${op.classid} is set to ${h || 'nothing'}; the plan intended ${w || 'nothing'}.`] : out;
  },
});
