// Ingress policing: a cap on the traffic a device receives, as tc does it (tc-police(8)): the
// ingress qdisc (ffff:) and one u32 filter that matches every packet and drops what exceeds the
// rate. Switchboard sets exactly that and nothing else on a device's ingress side, so what it
// reads there is either nothing, its own policing (taken back from tc's printed rate and burst),
// or something it leaves alone. Pure.
import type { Qdisc, TcFilter, Topology } from '@/server/topology/model';
import { actionInWords } from '@/server/topology/parse/tc-filter';
import { filterMatchInWords, noMatch } from '@/server/topology/words';
import type { Argv } from './commands';
import { rateArg } from './tc';
import { htbBurstText, tcArithmeticOf, tcRateText } from './tc-arithmetic';

export const INGRESS_HANDLE = 'ffff:';
const INGRESS_PARENT = 'ffff:fff1';
/** The pref of Switchboard's policing filter on the ingress qdisc. */
export const POLICE_PREF = 1;

/** A policing as tc takes and prints it: rate and burst in tc's own text ("10Mbit", "16Kb"). */
export interface Policing {
  rate: string;
  burst: string;
}

/**
 * The largest packet police lets through. tc's default (2 KiB) would drop every packet the
 * kernel merged on receive (GRO, up to 64 KiB) and every jumbo frame; Switchboard sends 64 KiB.
 */
const POLICE_MTU = '64kb';
const POLICE_MTU_PRINTED = '64Kb';

/** A device's ingress side as read: the ingress (or clsact) qdisc and the filters under it. */
export function ingressOf(t: Topology, dev: string): { qdisc: Qdisc | undefined; filters: TcFilter[] } {
  return {
    qdisc: t.qdiscs.find((q) => q.dev === dev && (q.kind === 'ingress' || q.kind === 'clsact')),
    filters: (t.filters ?? []).filter((f) => f.dev === dev && f.parent.startsWith('ffff:')),
  };
}

const MATCH_ALL = 'all traffic';
/** Words of what Switchboard's filter does, as the parser says a read one. */
const policeWords = (p: Policing) => actionInWords({ kind: 'police', index: 1 }, new Map([[1, { ...p, action: 'drop' }]]));

/**
 * What is on `dev`'s ingress side: nothing, Switchboard's policing (its rate and burst), or a
 * sentence saying what else is there, which Switchboard leaves alone.
 */
export function policingOf(t: Topology, dev: string): { policing: Policing | null } | { why: string } {
  const { qdisc, filters } = ingressOf(t, dev);
  if (!qdisc && !filters.length) return { policing: null };
  const other = `${dev}'s incoming traffic is handled by tc rules Switchboard did not set`;
  if (qdisc?.kind !== 'ingress' || Object.keys(qdisc.options).length) return { why: `${other} (a ${qdisc?.kind ?? 'missing'} qdisc); remove them by hand first.` };
  if (!filters.length) return { policing: null };
  const [f] = filters;
  if (filters.length > 1 || !f!.police || f!.police.mtu !== POLICE_MTU_PRINTED || f!.kind !== 'u32' || f!.match !== MATCH_ALL || f!.classid || f!.pref !== POLICE_PREF || f!.protocol !== 'all' || f!.actions[0] !== policeWords(f!.police)) {
    return { why: `${other} (${filters.map((x) => `a ${x.kind} filter: ${x.match}${x.actions.length ? `; ${x.actions.join(', then ')}` : ''}`).join('; ')}); remove them by hand first.` };
  }
  return { policing: { rate: f!.police.rate, burst: f!.police.burst } };
}

/** tc's text for a rate of `kbit` and a burst of `bytes`, as it prints them back (the ticks it keeps). */
export function policingFor(t: Topology, kbit: number, bytes: number): Policing {
  const rate = kbit * 125;
  return { rate: tcRateText(rate), burst: htbBurstText(rate, bytes, tcArithmeticOf(t)) };
}

export const addIngressArgv = (dev: string): Argv => ['tc', 'qdisc', 'add', 'dev', dev, 'handle', INGRESS_HANDLE, 'ingress'];
export const deleteIngressArgv = (dev: string): Argv => ['tc', 'qdisc', 'del', 'dev', dev, 'ingress'];

/**
 * The filter's arguments after `tc filter add|replace`: u32 that matches everything, and a police
 * action. As an action (not u32's old `police` attribute), so tc -j lists it with the filter's
 * actions, and its text gives back the rate, burst and mtu.
 */
export const policeFilterArgs = (dev: string, rate: string, burst: string): string[] => [
  'dev', dev, 'parent', INGRESS_HANDLE, 'protocol', 'all', 'pref', String(POLICE_PREF), 'u32', 'match', 'u32', '0', '0', 'action', 'police', 'rate', rate, 'burst', burst, 'mtu', POLICE_MTU, 'drop',
];
export const policeFilterArgv = (verb: 'add' | 'replace', dev: string, rate: string, burst: string): Argv => ['tc', 'filter', verb, ...policeFilterArgs(dev, rate, burst)];

/** A rate in kbit/s as tc takes it, and a burst in bytes. */
export const policeArgsFor = (kbit: number, bytes: number) => ({ rate: rateArg(kbit * 125), burst: String(bytes) });

/** `t` with `dev`'s ingress side as Switchboard's policing `p` (or none at all). */
export function withPolicing(t: Topology, dev: string, p: Policing | null): Topology {
  const { qdisc, filters } = ingressOf(t, dev);
  const qdiscs = t.qdiscs.filter((q) => q !== qdisc);
  const rest = (t.filters ?? []).filter((f) => !filters.includes(f));
  if (!p) return { ...t, qdiscs, filters: rest };
  const ingress: Qdisc = { dev, kind: 'ingress', handle: INGRESS_HANDLE, parent: INGRESS_PARENT, root: false, options: {} };
  // u32 names its first filter 800::800 in its own hash table.
  const filter: TcFilter = { dev, parent: INGRESS_HANDLE, protocol: 'all', pref: POLICE_PREF, kind: 'u32', handle: '800::800', classid: null, match: filterMatchInWords(noMatch(null)), actions: [policeWords(p)], police: { ...p, mtu: POLICE_MTU_PRINTED } };
  return { ...t, qdiscs: [...qdiscs, ingress], filters: [...rest, filter] };
}

/** The commands that put policing `p` on a device whose ingress side is empty. */
export const addPolicingArgvs = (dev: string, p: Policing): Argv[] => [addIngressArgv(dev), policeFilterArgv('add', dev, p.rate, p.burst)];

/** After apply: what the host shows on `dev`'s ingress side against the policing intended. */
export function policingDifferences(dev: string, want: Policing | null, after: Topology): string[] {
  const have = policingOf(after, dev);
  if ('why' in have) return [have.why.replace(/; remove them by hand first\.$/, '; the plan intended ') + (want ? `policing at ${policeWords(want)}.` : 'none.')];
  const said = (p: Policing | null) => (p ? policeWords(p) : 'no policing');
  return said(have.policing) === said(want) ? [] : [`${dev}'s incoming traffic has ${said(have.policing)}; the plan intended ${said(want)}.`];
}

export { policeWords };
