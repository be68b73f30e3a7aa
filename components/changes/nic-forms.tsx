'use client';

// The inspector's editors for VM NICs: attach a NIC, move one to another network or bridge,
// set its link, limit its rates, detach it; and what the VM gets at its next start when that differs from what
// it runs with now. Each action adds one operation to the draft; the server says when a change
// waits for the VM's next start (no hot-plug, shut off, a paused guest).
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, Labelled, Section, useInlineAdd } from '@/components/changes/form-parts';
import { NIC_MODELS } from '@/server/plan/vm-nics';
import type { Topology, Vm, VmNic } from '@/server/topology/model';
import { bandwidthInWords } from '@/server/topology/words';

/** Places a NIC can go: the host's libvirt networks, then its bridges that no network owns ("net:NAME", "br:NAME"). */
function places(topology: Topology): { value: string; label: string }[] {
  const owned = new Set(topology.networks.flatMap((n) => (['nat', 'route', 'open', 'isolated'].includes(n.mode) && n.bridge ? [n.bridge] : [])));
  return [
    ...topology.networks.map((n) => ({ value: `net:${n.name}`, label: `network ${n.name}${n.active ? '' : ' (stopped)'}` })),
    ...topology.interfaces.filter((i) => i.kind === 'bridge' && !owned.has(i.name)).map((i) => ({ value: `br:${i.name}`, label: `bridge ${i.name}` })),
    ...(topology.ovs?.bridges ?? []).map((b) => ({ value: `br:${b.name}`, label: `Open vSwitch bridge ${b.name}` })),
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

/** libvirt takes kB/s of 1000 bytes (server/topology/words.ts); people give Mbit/s. */
const kbPerSecond = (mbit: number) => Math.max(1, Math.round((mbit * 1e6) / 8 / 1000));
const mbitOf = (kb: number | null | undefined) => (kb ? String(Number(((kb * 1000 * 8) / 1e6).toFixed(3))) : '');

type RateText = { average: string; peak: string; burst: string };
const rateText = (d: { average: number | null; peak: number | null; burst: number | null } | null | undefined): RateText => ({ average: mbitOf(d?.average), peak: mbitOf(d?.peak), burst: d?.burst ? String(d.burst) : '' });

/** A direction's rates as the operation takes them, or a sentence naming what is not a number. */
function rateFields(dir: string, r: RateText): { average: number; peak?: number; burst?: number } | undefined | string {
  const nums = { average: Number(r.average), peak: Number(r.peak), burst: Number(r.burst) };
  if (!r.average && !r.peak && !r.burst) return undefined;
  if (!r.average) return `Give an ${dir} average rate, or leave all ${dir} fields empty for no limit.`;
  for (const [k, v] of Object.entries(nums)) if (r[k as keyof RateText] && !(v > 0)) return `The ${dir} ${k} "${r[k as keyof RateText]}" is not a positive number.`;
  return { average: kbPerSecond(nums.average), ...(r.peak ? { peak: kbPerSecond(nums.peak) } : {}), ...(r.burst ? { burst: Math.round(nums.burst) } : {}) };
}

/** Limits on a NIC's traffic, in Mbit/s and KiB (libvirt's `<bandwidth>`); empty fields: no limit. */
function BandwidthForm({ vm, nic }: { vm: Vm; nic: VmNic }) {
  const [rates, setRates] = useState({ inbound: rateText(nic.bandwidth?.inbound), outbound: rateText(nic.bandwidth?.outbound) });
  const { run, errors, busy } = useInlineAdd();
  const submit = () => {
    const inbound = rateFields('inbound', rates.inbound);
    const outbound = rateFields('outbound', rates.outbound);
    if (typeof inbound === 'string') return run(inbound);
    if (typeof outbound === 'string') return run(outbound);
    const floor = nic.bandwidth?.inbound?.floor;
    return run({ kind: 'setNicBandwidth', vm: vm.name, mac: nic.mac!, bandwidth: { ...(inbound ? { inbound: { ...inbound, ...(floor ? { floor } : {}) } } : {}), ...(outbound ? { outbound } : {}) } });
  };
  const field = (dir: 'inbound' | 'outbound', k: keyof RateText, label: string) => (
    <input
      aria-label={`${dir === 'inbound' ? 'Inbound' : 'Outbound'} ${label}`}
      className={CONTROL}
      inputMode="decimal"
      placeholder={label}
      value={rates[dir][k]}
      onChange={(e) => setRates((r) => ({ ...r, [dir]: { ...r[dir], [k]: e.target.value.trim() } }))}
    />
  );
  return (
    <InlineForm label="Set limits" busy={busy} errors={errors} onSubmit={submit}>
      <div className="grid grid-cols-[4.5rem_1fr_1fr_1fr] items-center gap-1 text-[11px] text-slate-600">
        <span />
        <span>average Mbit/s</span>
        <span>peak Mbit/s</span>
        <span>burst KiB</span>
        {(['inbound', 'outbound'] as const).flatMap((dir) => [
          <span key={dir}>{dir === 'inbound' ? 'to the VM' : 'from the VM'}</span>,
          <span key={`${dir}a`}>{field(dir, 'average', 'average')}</span>,
          <span key={`${dir}p`}>{field(dir, 'peak', 'peak')}</span>,
          <span key={`${dir}b`}>{field(dir, 'burst', 'burst')}</span>,
        ])}
      </div>
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
        {nic.bandwidth ? `, limited (${bandwidthInWords(nic.bandwidth)})` : ''}
      </p>
      <div className="flex flex-wrap gap-2">
        <ActionButton op={{ kind: 'setNicLink', vm: vm.name, mac: nic.mac, up: !nic.linkUp }} label={`Set link ${nic.linkUp ? 'down' : 'up'}`} />
        {nic.bandwidth && <ActionButton op={{ kind: 'setNicBandwidth', vm: vm.name, mac: nic.mac, bandwidth: {} }} label="Remove limits" />}
        <ActionButton op={{ kind: 'detachNic', vm: vm.name, mac: nic.mac }} label="Detach" variant="danger" />
      </div>
      {movable && <MoveForm vm={vm} nic={nic} topology={topology} />}
      {/* Keyed by the limits: after a refresh, a draft change or "Remove limits" it starts from what the NIC has. */}
      {nic.type !== 'hostdev' && <BandwidthForm key={JSON.stringify(nic.bandwidth)} vm={vm} nic={nic} />}
    </div>
  );
}

function AttachForm({ vm, topology }: { vm: Vm; topology: Topology }) {
  const [to, setTo] = useState('');
  const [model, setModel] = useState<(typeof NIC_MODELS)[number]>('virtio');
  const [mac, setMac] = useState('');
  const [vlanTag, setVlanTag] = useState('');
  const { run, errors, busy } = useInlineAdd();
  // libvirt tags a VM's port itself only on Open vSwitch.
  const onOvs = to.startsWith('br:') && Boolean(topology.ovs?.bridges.some((b) => b.name === to.slice(3)));
  const tag = onOvs && vlanTag ? Number(vlanTag) : null;
  return (
    <InlineForm
      label="Attach"
      busy={busy}
      errors={errors}
      onSubmit={() =>
        run(
          !to
            ? 'Choose where the new NIC goes.'
            : tag !== null && !(Number.isInteger(tag) && tag >= 1 && tag <= 4094)
              ? 'A VLAN tag is a number from 1 to 4094.'
              : { kind: 'attachNic', vm: vm.name, ...placeFields(to), model, linkUp: true, ...(mac ? { mac } : {}), ...(tag !== null ? { vlanTag: tag } : {}) },
          () => setMac(''),
        )
      }
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
      {onOvs && (
        <Labelled label="VLAN tag (optional)" hint="Open vSwitch puts the VM's port in this access VLAN.">
          <input aria-label="VLAN tag" className={CONTROL} value={vlanTag} onChange={(e) => setVlanTag(e.target.value.trim())} inputMode="numeric" placeholder="1-4094" />
        </Labelled>
      )}
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
