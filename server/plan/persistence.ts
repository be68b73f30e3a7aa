// Whether a change survives a reboot: libvirt objects are changed live and in their kept
// definition, IP forwarding is written to /etc/sysctl.d, but kernel network changes (ip, bridge)
// last only until the next boot until Switchboard writes the host's boot configuration. Review,
// history and the apply record say so for each such step, never silently. Pure.
import type { BootConfig } from '@/server/topology/model';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';
import type { Argv } from './commands';

/** Programs whose changes the kernel forgets at reboot. */
const RUNTIME_PROGRAMS = new Set(['ip', 'bridge']);

interface StepLike {
  commands: readonly { argv: Argv }[];
}

export interface Persistence {
  /** Indexes (from 0) of the steps that last only until the next reboot. */
  runtimeOnlySteps: number[];
  /** What the review and the history say, or null when every step survives a reboot. */
  sentence: string | null;
}

export function persistenceOf(steps: readonly StepLike[], hostName: string, boot: BootConfig | undefined): Persistence {
  const runtimeOnlySteps = steps.flatMap((s, i) => (s.commands.some((c) => RUNTIME_PROGRAMS.has(c.argv[0] ?? '')) ? [i] : []));
  if (!runtimeOnlySteps.length) return { runtimeOnlySteps, sentence: null };
  const which = runtimeOnlySteps.length === steps.length ? 'this change' : `step${runtimeOnlySteps.length > 1 ? 's' : ''} ${runtimeOnlySteps.map((i) => i + 1).join(', ')}`;
  const manager = !boot
    ? `${hostName}'s boot configuration has not been read yet`
    : boot.backend === 'none'
      ? `nothing known configures ${hostName}'s network at boot`
      : `${hostName} is configured at boot by ${BOOT_BACKEND_WORDS[boot.backend]}, which Switchboard does not write yet`;
  return { runtimeOnlySteps, sentence: `Runtime only: ${manager}, so ${which} will be undone by the next reboot.` };
}
