// The probe's `session` section: SSH_CONNECTION as the host saw it, and `ip -j route get` to
// the panel's address. Tells which address, device and gateway carry the panel's connection.
import { z } from 'zod';
import type { PanelSession } from '../model';
import { parseJsonSection } from './json';

const ZRouteGet = z.array(z.looseObject({ dst: z.string().optional(), dev: z.string().optional(), prefsrc: z.string().optional(), gateway: z.string().optional() }));

/** Null when the host did not say (no SSH_CONNECTION anywhere up the process tree). */
export function parseSession(body: string): PanelSession | null {
  const [first = '', ...rest] = body.split('\n');
  const m = /^connection (\S+) (\d+) (\S+) (\d+)\s*$/.exec(first);
  if (!m) return null;
  const routes = rest.join('\n').trim() ? parseJsonSection('session', rest.join('\n'), ZRouteGet) : [];
  const route = routes[0];
  return {
    panelAddress: m[1]!,
    hostAddress: m[3]!,
    hostPort: Number(m[4]),
    device: route?.dev ?? null,
    source: route?.prefsrc ?? null,
    gateway: route?.gateway ?? null,
  };
}
