// Which changes wait for the panel's confirmation before the host keeps them (a confirmed
// apply), and for how long. Pure: a host's setting and the reviewed plan decide it.
import { changesKernel, type Argv } from './commands';

/**
 * `network`: every change with a command that touches a link, an address, a route or a master
 * (the default); `every` change; or only those the review marks `disruptive` (the panel's own
 * path, VMs cut off a network).
 */
export const CONFIRM_SCOPES = ['network', 'every', 'disruptive'] as const;
export type ConfirmScope = (typeof CONFIRM_SCOPES)[number];
export const CONFIRM_SCOPE_WORDS: Record<ConfirmScope, string> = {
  network: 'Changes to links, addresses, routes or masters',
  every: 'Every change',
  disruptive: 'Only changes marked disruptive',
};

/** The anchors: Cockpit's NetworkManager checkpoint waits 7 s, `netplan try` 120 s. */
export const DEFAULT_CONFIRM_WINDOW_SECONDS = 30;
/** Below 5 s a slow host's SSH handshake alone could miss the window and undo a good change. */
export const MIN_CONFIRM_WINDOW_SECONDS = 5;
/** The runner holds the host's apply lock while it waits; ten minutes is longer than anyone watches. */
export const MAX_CONFIRM_WINDOW_SECONDS = 600;


interface PlanLike {
  steps: readonly { commands: readonly { argv: Argv }[]; disruptive: string | null }[];
}

export function needsConfirmation(plan: PlanLike, scope: ConfirmScope): boolean {
  switch (scope) {
    case 'every':
      return plan.steps.length > 0;
    case 'disruptive':
      return plan.steps.some((s) => s.disruptive !== null);
    case 'network':
      return plan.steps.some((s) => s.disruptive !== null || s.commands.some(changesKernel));
  }
}

/** Seconds the runner waits for this change's confirmation: 0 when it does not wait. */
export function confirmationWindow(plan: PlanLike, host: { confirmWindowSeconds: number; confirmScope: string }, requested?: number): number {
  const scope = (CONFIRM_SCOPES as readonly string[]).includes(host.confirmScope) ? (host.confirmScope as ConfirmScope) : 'network';
  if (!needsConfirmation(plan, scope)) return 0;
  const seconds = requested ?? host.confirmWindowSeconds;
  return Math.min(MAX_CONFIRM_WINDOW_SECONDS, Math.max(MIN_CONFIRM_WINDOW_SECONDS, Math.round(seconds)));
}

/** What the history says of a change the host undid itself. */
export function hostRollbackReason(windowSeconds: number, lastError: string | null): string {
  return `rolled back by the host: not confirmed within ${windowSeconds} s${lastError ? ` (the panel's last attempt to reach it over a new connection: ${lastError})` : ''}`;
}
