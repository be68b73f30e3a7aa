'use client';

import { useMemo } from 'react';
import { Button } from '@/components/ui/button';
import { bootDrift, operationsTowardBoot } from '@/server/plan/boot/drift';
import { writesBootConfig } from '@/server/plan/boot/persist';
import type { Operation } from '@/server/plan/ops';
import type { Topology } from '@/server/topology/model';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';

/**
 * Whether the host's live network is what it boots into: a "runtime only" notice where
 * Switchboard does not write the boot configuration, else the interfaces a reboot would change
 * (also marked on the graph), with the two ways to settle them as drafts to review.
 */
export function BootStatus({ topology, canEdit, onDraft }: { topology: Topology; canEdit: boolean; onDraft: (ops: Operation[], notice: string | null) => void }) {
  const boot = topology.host.bootConfig;
  const drift = useMemo(() => bootDrift(topology), [topology]);
  if (!boot) return null;
  const host = topology.host.hostname;
  if (!drift) {
    const why = boot.backend === 'none' ? `nothing known configures ${host}'s network at boot` : `${host} is configured at boot by ${BOOT_BACKEND_WORDS[boot.backend]}, which Switchboard does not ${writesBootConfig(boot.backend) ? 'read back' : 'write'} yet`;
    return (
      <p data-testid="runtime-only-host" role="status" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950">
        <span className="font-semibold">Runtime only:</span> {why}, so changes to interfaces, addresses and routes made here are undone by the next reboot (libvirt networks, VM NICs and IP forwarding are kept).
      </p>
    );
  }
  if (!drift.length) return null;
  const names = drift.map((d) => d.name);
  const draftBack = () => {
    const { operations, notDrafted } = operationsTowardBoot(topology, names);
    onDraft(operations, notDrafted.length ? `Not drafted: ${notDrafted.join(' ')}` : null);
  };
  return (
    <details data-testid="boot-drift" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950">
      <summary className="cursor-pointer">
        <span className="font-semibold">Runtime only:</span> {drift.length} interface{drift.length === 1 ? '' : 's'} differ{drift.length === 1 ? 's' : ''} from the boot configuration ({BOOT_BACKEND_WORDS[boot.backend]}): a reboot would change{' '}
        {drift.length === 1 ? 'it' : 'them'}. They are marked on the graph.
      </summary>
      <ul className="mt-2 list-disc space-y-0.5 pl-5" data-testid="boot-drift-list">
        {drift.flatMap((d) => d.sentences.map((s) => <li key={`${d.name}:${s}`}>{s}</li>))}
      </ul>
      {canEdit && (
        <div className="mt-2 flex flex-wrap gap-2">
          <Button variant="secondary" data-testid="persist-live-state" onClick={() => onDraft([{ kind: 'persistInterfaces', interfaces: names }], null)}>
            Write the live state to the boot configuration
          </Button>
          <Button variant="secondary" data-testid="draft-back-to-boot" onClick={draftBack}>
            Draft a change back to the boot configuration
          </Button>
          <span className="self-center text-amber-900">Either one is added to the draft, to review before it is applied.</span>
        </div>
      )}
    </details>
  );
}
