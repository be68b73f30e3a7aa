// Which hosts need someone, in words, with the next step to take: a host key that changed, a
// key the host refused, a host the panel cannot reach, one never tested, and two inventory
// entries that look like the same machine. Pure: the fleet page shows it, tests check it.
import type { HostStatus } from './hosts.types';

export interface AttentionHost {
  id: string;
  name: string;
  address: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
  status: HostStatus;
  statusMessage: string | null;
}

export interface Attention {
  /** danger: do not trust or use it as it is; warning: it needs a look. */
  tone: 'danger' | 'warning';
  what: string;
  next: string;
}

/** What each host that needs attention needs, by host id (hosts that are fine are absent). */
export function hostsNeedingAttention(hosts: readonly AttentionHost[]): Map<string, Attention[]> {
  const out = new Map<string, Attention[]>();
  const add = (id: string, a: Attention) => out.set(id, [...(out.get(id) ?? []), a]);
  for (const h of hosts) {
    const said = h.statusMessage ? ` (${h.statusMessage})` : '';
    if (h.status === 'key_mismatch') {
      add(h.id, {
        tone: 'danger',
        what: `Its host key is not the one pinned${said}: the machine was reinstalled, or something is in between.`,
        next: `Compare the new fingerprint with the one on ${h.name}'s console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); only if they match, re-pin it on the Hypervisors page.`,
      });
    } else if (h.status === 'auth_failed') {
      add(h.id, {
        tone: 'danger',
        what: `It refused the panel's key for ${h.username}${said}.`,
        next: `Add the panel's public key (SSH key page) to ~${h.username}/.ssh/authorized_keys on ${h.name}, then Test it on the Hypervisors page.`,
      });
    } else if (h.status === 'unreachable') {
      add(h.id, {
        tone: 'warning',
        what: `The panel cannot reach it${said}.`,
        next: `Check that ${h.name} is up and that ${h.address} port ${h.port} is open from the panel, then Test it on the Hypervisors page.`,
      });
    } else if (h.status === 'unknown') {
      add(h.id, { tone: 'warning', what: 'Never tested.', next: 'Test it on the Hypervisors page.' });
    }
  }
  // Two entries for one machine: same SSH endpoint, or same host key (one machine added twice
  // under two names or addresses).
  const byEndpoint = groupBy(hosts, (h) => `${h.address.toLowerCase()}:${h.port}`);
  const byKey = groupBy(hosts, (h) => h.hostKeyFingerprint);
  for (const h of hosts) {
    const sameEndpoint = byEndpoint.get(`${h.address.toLowerCase()}:${h.port}`)!.filter((o) => o.id !== h.id);
    const sameKey = byKey.get(h.hostKeyFingerprint)!.filter((o) => o.id !== h.id && !sameEndpoint.includes(o));
    for (const [others, how] of [
      [sameEndpoint, `the same address (${h.address}:${h.port})`],
      [sameKey, 'the same host key'],
    ] as const) {
      if (!others.length) continue;
      add(h.id, {
        tone: 'warning',
        what: `Looks like the same machine as ${others.map((o) => o.name).join(' and ')}: ${how}.`,
        next: 'Keep one entry and remove the other on the Hypervisors page; two entries for one machine show its network twice and let two drafts change it.',
      });
    }
  }
  return out;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}
