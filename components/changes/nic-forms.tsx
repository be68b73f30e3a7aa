'use client';

// The inspector's editors for VM NICs: attach a NIC, move one to another network or bridge,
// set its link, detach it; and what the VM gets at its next start when that differs from what
// it runs with now. Each action adds one operation to the draft; the server says when a change
// waits for the VM's next start (no hot-plug, shut off, a paused guest).
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, Labelled, Section, useInlineAdd } from '@/components/changes/form-parts';
import { NIC_MODELS } from '@/server/plan/vm-nics';
import type { Topology, Vm, VmNic } from '@/server/topology/model';

/** Places a NIC can go: the host's libvirt networks, then its bridges that no network owns ("net:NAME", "br:NAME"). */
function places(topology: Topology): { value: string; label: string }[] {
  const owned = new Set(topology.networks.flatMap((n) => (['nat', 'route', 'open', 'isolated'].includes(n.mode) && n.bridge ? [n.bridge] : [])));
  return [
    ...topology.networks.map((n) => ({ value: `net:${n.name}`, label: `network ${n.name}${n.active ? '' : ' (stopped)'}` })),
    ...topology.interfaces.filter((i) => i.kind === 'bridge' && !owned.has(i.name)).map((i) => ({ value: `br:${i.name}`, label: `bridge ${i.name}` })),
  ];
}
const placeFields = (value: string) => (value.startsWith('net:') ? { network: value.slice(4) } : { bridge: value.slice(3) });

function PlaceSelect({ topology, value, onChange, label }: { topology: Topology; value: string; onChange: (v: string) => void; label: string }) {
  return (
    <select aria-label={label} className={CONTROL} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">— choose —</option>
      {places(topology).map((p) => (
        <option key={p.value} value={p.value}>
          {p.label}
        </option>
      ))}
    </select>
  );
}

function MoveForm({ vm, nic, topology }: { vm: Vm; nic: VmNic; topology: Topology }) {
  const [to, setTo] = useState('');
  const { run, errors, busy } = useInlineAdd();
  return (
    <InlineForm label="Move" busy={busy} errors={errors} onSubmit={() => run(to ? { kind: 'moveNic', vm: vm.name, mac: nic.mac!, ...placeFields(to) } : 'Choose where the NIC goes.')}>
      <PlaceSelect topology={topology} value={to} onChange={setTo} label={`Move ${nic.mac} to`} />
    </InlineForm>
  );
}

/** One NIC's controls. */
export function NicEditor({ vm, nic, topology }: { vm: Vm; nic: VmNic; topology: Topology }) {
  if (!nic.mac) return null;
  const movable = nic.type === 'network' || nic.type === 'bridge';
  return (
    <div data-testid="nic-editor" data-mac={nic.mac} className="space-y-1.5 rounded-md border border-slate-200 bg-white p-2">
      <p className="font-mono text-[11px] text-slate-700">
        {nic.mac} on {nic.type} {nic.source}
        {nic.linkUp ? '' : ', link down'}
      </p>
      <div className="flex flex-wrap gap-2">
        <ActionButton op={{ kind: 'setNicLink', vm: vm.name, mac: nic.mac, up: !nic.linkUp }} label={`Set link ${nic.linkUp ? 'down' : 'up'}`} />
        <ActionButton op={{ kind: 'detachNic', vm: vm.name, mac: nic.mac }} label="Detach" variant="danger" />
      </div>
      {movable && <MoveForm vm={vm} nic={nic} topology={topology} />}
    </div>
  );
}

function AttachForm({ vm, topology }: { vm: Vm; topology: Topology }) {
  const [to, setTo] = useState('');
  const [model, setModel] = useState<(typeof NIC_MODELS)[number]>('virtio');
  const [mac, setMac] = useState('');
  const { run, errors, busy } = useInlineAdd();
  return (
    <InlineForm
      label="Attach"
      busy={busy}
      errors={errors}
      onSubmit={() => run(to ? { kind: 'attachNic', vm: vm.name, ...placeFields(to), model, linkUp: true, ...(mac ? { mac } : {}) } : 'Choose where the new NIC goes.', () => setMac(''))}
    >
      <div className="grid grid-cols-[1fr_6rem] gap-1">
        <PlaceSelect topology={topology} value={to} onChange={setTo} label="New NIC on" />
        <select aria-label="Model" className={CONTROL} value={model} onChange={(e) => setModel(e.target.value as (typeof NIC_MODELS)[number])}>
          {NIC_MODELS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </div>
      <Labelled label="MAC (optional)" hint="Empty: the panel picks a 52:54:00 address no host in the fleet uses.">
        <input className={CONTROL} value={mac} onChange={(e) => setMac(e.target.value.trim())} spellCheck={false} placeholder="52:54:00:…" />
      </Labelled>
    </InlineForm>
  );
}

/** What the VM gets at its next start, where that differs from what it runs with now. */
export function PendingAtStart({ vm }: { vm: Vm }) {
  if (!vm.configNics || !(vm.state === 'running' || vm.state === 'paused')) return null;
  const now = new Set(vm.nics.map((n) => n.mac));
  const kept = new Set(vm.configNics.map((n) => n.mac));
  const added = vm.configNics.filter((n) => !now.has(n.mac));
  const removed = vm.nics.filter((n) => !kept.has(n.mac));
  if (!added.length && !removed.length) return null;
  return (
    <div data-testid="pending-at-start" className="rounded-md border border-amber-200 bg-amber-50 p-2 text-amber-900">
      <p className="font-medium">At its next start {vm.name} changes:</p>
      <ul className="list-disc pl-4">
        {added.map((n) => (
          <li key={`+${n.mac}`}>
            gets NIC {n.mac} on {n.type} {n.source}
          </li>
        ))}
        {removed.map((n) => (
          <li key={`-${n.mac}`}>loses NIC {n.mac} (still plugged in now)</li>
        ))}
      </ul>
    </div>
  );
}

/** The inspector's editing controls for one VM's NICs (admins and operators). */
export function VmEditor({ vm, topology }: { vm: Vm; topology: Topology }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit) return null;
  return (
    <div data-testid="vm-editor" className="space-y-3 rounded-lg border border-sky-100 bg-sky-50/40 p-2.5">
      <h4 className="text-xs font-semibold text-sky-900">Edit NICs (adds to the draft)</h4>
      <Section title="NICs">
        <div className="space-y-2">
          {vm.nics.map((n, i) => (
            <NicEditor key={n.mac ?? i} vm={vm} nic={n} topology={topology} />
          ))}
        </div>
      </Section>
      <Section title="Attach a NIC">
        <AttachForm vm={vm} topology={topology} />
      </Section>
    </div>
  );
}
