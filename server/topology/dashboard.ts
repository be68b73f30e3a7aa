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
  /**
   * Why no carrier is normal here, in words ("no VM on network default is running", "web1 is
   * paused"); null when a down link is a problem. A normal state is not shown as an alarm.
   */
  quietBecause: string | null;
}

/** Why an interface without carrier is as it should be, or null. */
export function quietBecause(t: Topology | null, name: string): string | null {
  if (!t) return null;
  const i = t.interfaces.find((x) => x.name === name);
  if (!i) return null;
  if (i.owner) {
    const vm = t.vms.find((v) => v.name === i.owner!.vm);
    if (vm && vm.state !== 'running') return `${vm.name} is ${vm.state}`;
  }
  const network = t.networks.find((n) => n.bridge === name);
  if (network) {
    const running = t.vms.filter((v) => v.state === 'running' && v.nics.some((nic) => nic.bridge === name || (nic.type === 'network' && nic.source === network.name)));
    if (!running.length) return `no VM on network ${network.name} is running`;
  }
  return null;
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
      quietBecause: (last?.up[name] ?? null) === false ? quietBecause(topology, name) : null,
    };
  });
}
