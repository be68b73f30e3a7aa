// The ops dashboard's numbers for one host: per interface the latest rates, a 15-minute
// series for sparklines, and whether the link is down or flapping. Pure.
import type { InterfaceKind, Topology } from './model';
import { interfaceRates, type CounterPointLike, type RatePoint } from './rates';

export interface DashboardInterface {
  name: string;
  kind: InterfaceKind;
  up: boolean | null;
  /** Up/down transitions seen in the window; 2 or more is flapping. */
  transitions: number;
  flapping: boolean;
  latest: RatePoint | null;
  series: RatePoint[];
}

export interface PointWithLinkState extends CounterPointLike {
  up: Record<string, boolean>;
}

export const FLAPPING_TRANSITIONS = 2;

export function summarizeInterfaces(points: readonly PointWithLinkState[], topology: Topology | null): DashboardInterface[] {
  const rates = interfaceRates(points);
  const last = points.at(-1);
  const names = topology
    ? topology.interfaces.filter((i) => i.kind !== 'loopback').map((i) => i.name)
    : Object.keys(last?.counters ?? {}).filter((n) => n !== 'lo');
  const kindOf = new Map(topology?.interfaces.map((i) => [i.name, i.kind]) ?? []);
  return names.map((name) => {
    let transitions = 0;
    let previous: boolean | undefined;
    for (const p of points) {
      const up = p.up[name];
      if (up === undefined) continue;
      if (previous !== undefined && up !== previous) transitions++;
      previous = up;
    }
    const series = rates[name] ?? [];
    return {
      name,
      kind: kindOf.get(name) ?? 'other',
      up: last?.up[name] ?? null,
      transitions,
      flapping: transitions >= FLAPPING_TRANSITIONS,
      latest: series.at(-1) ?? null,
      series,
    };
  });
}
