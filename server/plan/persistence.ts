// Whether a change survives a reboot: libvirt objects are changed live and in their kept
// definition, IP forwarding is written to /etc/sysctl.d, Open vSwitch keeps what ovs-vsctl
// changes in its own database (reloaded at boot), but kernel network changes (ip, bridge)
// last only until the next boot until Switchboard writes the host's boot configuration, and
// traffic control (tc) and NAT rules (nft, iptables) until it keeps them for its boot unit
// (boot/kept.ts). Review, history and the apply record say so for each such step, never
// silently. Pure.
import type { BootConfig } from '@/server/topology/model';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';
import { changesKernel, lostAtReboot, type Argv } from './commands';
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
 * a plan that writes them (a writeBootFiles step) keeps every kernel step. `keepNotWritten`: why
 * the tc and NAT steps are not kept for boot (plan.keepNotWritten); absent, they are.
 */
export function persistenceOf(steps: readonly StepLike[], hostName: string, boot: BootConfig | undefined, bootNotWritten?: string, keepNotWritten?: string): Persistence {
  const bootWritten = steps.some((s) => s.commands.some((c) => c.argv[0] === 'sb-write-file' && isBootFilePath(c.argv[1] ?? '')));
  const indexes = (keep: (s: StepLike) => boolean) => steps.flatMap((s, i) => (keep(s) ? [i] : []));
  const kernelSteps = bootWritten ? [] : indexes((s) => s.commands.some(changesKernel));
  const tcSteps = keepNotWritten === undefined ? [] : indexes((s) => s.commands.some(lostAtReboot)).filter((i) => !kernelSteps.includes(i));
  const runtimeOnlySteps = [...kernelSteps, ...tcSteps].sort((a, b) => a - b);
  if (!runtimeOnlySteps.length) return { runtimeOnlySteps, sentence: null };
  const which = (of: number[]) => (of.length === steps.length ? 'this change' : `step${of.length > 1 ? 's' : ''} ${of.map((i) => i + 1).join(', ')}`);
  const manager = !boot
    ? `${hostName}'s boot configuration has not been read yet`
    : boot.backend === 'none'
      ? `nothing known configures ${hostName}'s network at boot`
      : bootNotWritten && writesBootConfig(boot.backend)
        ? `${hostName}'s boot configuration (${BOOT_BACKEND_WORDS[boot.backend]}) is not written: ${bootNotWritten}`
        : `${hostName} is configured at boot by ${BOOT_BACKEND_WORDS[boot.backend]}, which Switchboard does not write yet`;
  const reasons = [
    ...(kernelSteps.length ? [`${manager}, so ${which(kernelSteps)} will be undone by the next reboot`] : []),
    ...(tcSteps.length ? [`Switchboard cannot keep traffic control and NAT rules for boot here (${keepNotWritten}), so ${which(tcSteps)} will be undone by the next reboot`] : []),
  ];
  return { runtimeOnlySteps, sentence: `Runtime only: ${reasons.join('; ')}.` };
}
