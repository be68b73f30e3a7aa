'use client';

import { useMemo } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { Button } from '@/components/ui/button';
import { bootDrift, operationsTowardBoot, type InterfaceDrift } from '@/server/plan/boot/drift';
import { writesBootConfig } from '@/server/plan/boot/persist';
import type { Topology } from '@/server/topology/model';
import { BOOT_BACKEND_WORDS } from '@/server/topology/words';

/**
 * The two ways to settle drift, each added to the draft to review: write the interfaces' live
 * state to the boot configuration, or draft the changes that bring them back to it. Shown to
 * those who may edit.
 */
export function DriftActions({ topology, names, scope }: { topology: Topology; names: readonly string[]; scope: string }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || !names.length) return null;
  const draftBack = () => {
    const { operations, notDrafted } = operationsTowardBoot(topology, names);
    if (operations.length) editor.add(operations);
    editor.setNotice(notDrafted.length ? `Not drafted: ${notDrafted.join(' ')}` : null);
  };
  return (
    <div className="mt-2 flex flex-wrap gap-2">
      <Button variant="secondary" className="!px-2 !py-1 !text-xs" data-testid="persist-live-state" disabled={editor.adding} onClick={() => editor.add([{ kind: 'persistInterfaces', interfaces: [...names] }])}>
        Write {scope} live state to the boot configuration
      </Button>
      <Button variant="secondary" className="!px-2 !py-1 !text-xs" data-testid="draft-back-to-boot" disabled={editor.adding} onClick={draftBack}>
        Draft a change back to the boot configuration
      </Button>
    </div>
  );
}

/**
 * Whether the host's live network is what it boots into: a "runtime only" notice where
 * Switchboard does not write the boot configuration, else the interfaces a reboot would change
 * (also marked on the graph), with the ways to settle them.
 */
export function BootStatus({ topology, drift }: { topology: Topology; drift: InterfaceDrift[] | null }) {
  const boot = topology.host.bootConfig;
  const names = useMemo(() => (drift ?? []).map((d) => d.name), [drift]);
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
  return (
    <details data-testid="boot-drift" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950">
      <summary className="cursor-pointer">
        <span className="font-semibold">Runtime only:</span> {drift.length} interface{drift.length === 1 ? '' : 's'} differ{drift.length === 1 ? 's' : ''} from the boot configuration ({BOOT_BACKEND_WORDS[boot.backend]}): a reboot would change{' '}
        {drift.length === 1 ? 'it' : 'them'}. They are marked on the graph; select one to settle it alone.
      </summary>
      <ul className="mt-2 list-disc space-y-0.5 pl-5" data-testid="boot-drift-list">
        {drift.flatMap((d) => d.sentences.map((s) => <li key={`${d.name}:${s}`}>{s}</li>))}
      </ul>
      <DriftActions topology={topology} names={names} scope="every one's" />
    </details>
  );
}

/** What `bootDrift` says, by interface name, for one topology. */
export function useBootDrift(topology: Topology | null): InterfaceDrift[] | null {
  return useMemo(() => (topology ? bootDrift(topology) : null), [topology]);
}
