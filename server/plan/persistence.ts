// Whether a change survives a reboot: libvirt objects are changed live and in their kept
// definition, IP forwarding is written to /etc/sysctl.d, but kernel network changes (ip, bridge)
// last only until the next boot until Switchboard writes the host's boot configuration. Review,
// history and the apply record say so for each such step, never silently. Pure.
import type { BootConfig } from '@/server/topology/model';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';
import { changesKernel, type Argv } from './commands';
import { writesBootConfig } from './boot/persist';
import { isBootFilePath } from './kinds/write-boot-files';

interface StepLike {
  commands: readonly { argv: Argv }[];
}

export interface Persistence {
  /** Indexes (from 0) of the steps that last only until the next reboot. */
  runtimeOnlySteps: number[];
  /** What the review and the history say, or null when every step survives a reboot. */
  sentence: string | null;
}

/**
 * `bootNotWritten`: why the planner wrote no boot files for the kernel steps (plan.bootNotWritten);
 * a plan that writes them (a writeBootFiles step) keeps every step.
 */
export function persistenceOf(steps: readonly StepLike[], hostName: string, boot: BootConfig | undefined, bootNotWritten?: string): Persistence {
  if (steps.some((s) => s.commands.some((c) => c.argv[0] === 'sb-write-file' && isBootFilePath(c.argv[1] ?? '')))) return { runtimeOnlySteps: [], sentence: null };
  const runtimeOnlySteps = steps.flatMap((s, i) => (s.commands.some(changesKernel) ? [i] : []));
  if (!runtimeOnlySteps.length) return { runtimeOnlySteps, sentence: null };
  const which = runtimeOnlySteps.length === steps.length ? 'this change' : `step${runtimeOnlySteps.length > 1 ? 's' : ''} ${runtimeOnlySteps.map((i) => i + 1).join(', ')}`;
  const manager = !boot
    ? `${hostName}'s boot configuration has not been read yet`
    : boot.backend === 'none'
      ? `nothing known configures ${hostName}'s network at boot`
      : bootNotWritten && writesBootConfig(boot.backend)
        ? `${hostName}'s boot configuration (${BOOT_BACKEND_WORDS[boot.backend]}) is not written: ${bootNotWritten}`
        : `${hostName} is configured at boot by ${BOOT_BACKEND_WORDS[boot.backend]}, which Switchboard does not write yet`;
  return { runtimeOnlySteps, sentence: `Runtime only: ${manager}, so ${which} will be undone by the next reboot.` };
}
