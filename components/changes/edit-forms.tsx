'use client';

// The forms that draft operations: the "New" menu (create a bridge, bond, VLAN, veth pair or
// dummy) and the inspector's editing section for one interface. Each action adds one
// operation to the host's draft; the browser checks only the basics, the server's errors are
// what the user sees (on the form when the request is refused, on the draft entry otherwise).
import { useEffect, useId, useRef, useState } from 'react';
import { ActionButton, Check, CONTROL, Errors, FormActions, InlineForm, Labelled, Section, useDraftForm, useInlineAdd } from '@/components/changes/form-parts';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { Modal } from '@/components/ui/modal';
import { NetworkForm } from '@/components/changes/network-forms';
import { NicEditor } from '@/components/changes/nic-forms';
import { listsToPortVlans, portVlansToLists } from '@/components/changes/operations';
import { Button } from '@/components/ui/button';
import { DELETABLE_KINDS } from '@/server/plan/checks';
import { BOND_MODES, MTU_MAX, MTU_MIN, ZIfName } from '@/server/plan/ops';
import type { NetInterface, Topology } from '@/server/topology/model';
/** What a bond can take as members here. */
const BOND_MEMBER_KINDS = new Set(['ethernet', 'veth', 'dummy']);

/** The name rule of the server (DESIGN.md rule 4), for a message before the round trip. */
export function nameProblem(name: string): string | null {
  if (!name) return 'A name is required.';
  const r = ZIfName.safeParse(name);
  return r.success ? null : (r.error.issues[0]?.message ?? 'Not a valid interface name.');
}

// ---------------------------------------------------------------------------------------------
// New: bridge, bond, VLAN, veth pair, dummy (and a libvirt network: network-forms.tsx)

type NewKind = 'bridge' | 'bond' | 'vlan' | 'veth' | 'dummy' | 'network';

const NEW_KINDS: { kind: NewKind; label: string; hint: string }[] = [
  { kind: 'bridge', label: 'Bridge', hint: 'A software switch' },
  { kind: 'bond', label: 'Bond', hint: 'Links aggregated into one' },
  { kind: 'vlan', label: 'VLAN', hint: 'A tagged sub-interface' },
  { kind: 'veth', label: 'veth pair', hint: 'Two ends of a virtual cable' },
  { kind: 'dummy', label: 'Dummy', hint: 'A device for addresses only' },
  { kind: 'network', label: 'Network', hint: 'A libvirt network for VMs: NAT, routed, isolated, bridged' },
];

function NameInput({ value, onChange, autoFocus, label = 'Name' }: { value: string; onChange: (v: string) => void; autoFocus?: boolean; label?: string }) {
  return (
    <Labelled label={label} hint="1-15 letters, digits, dot, dash or underscore">
      <input
        className={CONTROL}
        value={value}
        onChange={(e) => onChange(e.target.value.trim())}
        autoFocus={autoFocus}
        autoComplete="off"
        spellCheck={false}
      />
    </Labelled>
  );
}

function BridgeForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [stp, setStp] = useState(false);
  const [vlanFiltering, setVlanFiltering] = useState(false);
  // A bridge is made to carry traffic: drafted up, unless asked to stay down (issue 14).
  const [up, setUp] = useState(true);
  const { errors, submit, busy } = useDraftForm(onDone);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        submit([nameProblem(name)], () => [{ kind: 'createBridge', name, stp, vlanFiltering }, ...(up ? [{ kind: 'setLinkState' as const, dev: name, up: true }] : [])]);
      }}
    >
      <NameInput value={name} onChange={setName} autoFocus />
      <Check label="STP" checked={stp} onChange={setStp} hint="Spanning tree: needed when the bridge can see a loop." />
      <Check label="VLAN filtering" checked={vlanFiltering} onChange={setVlanFiltering} hint="Ports carry only the VLANs you give them." />
      <Check label="Bring it up" checked={up} onChange={setUp} hint="Leave unchecked to create it down." />
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add bridge to draft" />
    </form>
  );
}

function BondForm({ topology, onDone }: { topology: Topology; onDone: () => void }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<(typeof BOND_MODES)[number]>('active-backup');
  const [members, setMembers] = useState<string[]>([]);
  const { errors, submit, busy } = useDraftForm(onDone);
  const candidates = topology.interfaces.filter((i) => BOND_MEMBER_KINDS.has(i.kind));
  const groupId = useId();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        submit([nameProblem(name)], () => ({ kind: 'createBond', name, mode, members }));
      }}
    >
      <NameInput value={name} onChange={setName} autoFocus />
      <Labelled label="Mode">
        <select className={CONTROL} value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
          {BOND_MODES.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </Labelled>
      <fieldset aria-labelledby={groupId}>
        <legend id={groupId} className="mb-1 text-xs font-medium text-slate-700">
          Members
        </legend>
        {candidates.length === 0 ? (
          <p className="text-xs text-slate-500">No NICs, veths or dummies on this host.</p>
        ) : (
          <div className="max-h-40 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2">
            {candidates.map((i) => (
              <label key={i.name} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={members.includes(i.name)}
                  onChange={(e) => setMembers((m) => (e.target.checked ? [...m, i.name] : m.filter((x) => x !== i.name)))}
                />
                <span className="font-mono">{i.name}</span>
                <span className="text-xs text-slate-500">
                  {i.kind}
                  {i.master ? `, in ${i.master}` : ''}
                  {i.addresses.some((a) => a.scope !== 'link') ? ', has addresses' : ''}
                </span>
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add bond to draft" />
    </form>
  );
}

function VlanForm({ topology, onDone }: { topology: Topology; onDone: () => void }) {
  const parents = topology.interfaces.filter((i) => i.kind !== 'loopback' && i.kind !== 'vlan');
  const [parent, setParent] = useState(parents[0]?.name ?? '');
  const [vlanId, setVlanId] = useState('');
  const [name, setName] = useState('');
  const { errors, submit, busy } = useDraftForm(onDone);
  const id = Number(vlanId);
  const suggested = parent && vlanId && `${parent}.${vlanId}`.length <= 15 ? `${parent}.${vlanId}` : '';
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const finalName = name || suggested;
        submit(
          [
            parent ? null : 'Choose the parent interface.',
            Number.isInteger(id) && id >= 1 && id <= 4094 ? null : 'A VLAN id is 1-4094.',
            nameProblem(finalName),
          ],
          () => ({ kind: 'createVlan', name: finalName, parent, vlanId: id }),
        );
      }}
    >
      <Labelled label="Parent">
        <select className={CONTROL} value={parent} onChange={(e) => setParent(e.target.value)} autoFocus>
          {parents.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name} ({i.kind})
            </option>
          ))}
        </select>
      </Labelled>
      <Labelled label="VLAN id" hint="1-4094">
        <input className={CONTROL} type="number" min={1} max={4094} value={vlanId} onChange={(e) => setVlanId(e.target.value)} />
      </Labelled>
      <Labelled label="Name" hint={suggested ? `Leave empty for ${suggested}` : '1-15 letters, digits, dot, dash or underscore'}>
        <input className={CONTROL} value={name} placeholder={suggested} onChange={(e) => setName(e.target.value.trim())} spellCheck={false} />
      </Labelled>
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add VLAN to draft" />
    </form>
  );
}

function VethForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [peer, setPeer] = useState('');
  const { errors, submit, busy } = useDraftForm(onDone);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        const p = nameProblem(name);
        const q = nameProblem(peer);
        submit([p && `Name: ${p}`, q && `Peer: ${q}`, name && name === peer ? 'The two ends need different names.' : null], () => ({
          kind: 'createVeth',
          name,
          peer,
        }));
      }}
    >
      <NameInput value={name} onChange={setName} autoFocus />
      <NameInput value={peer} onChange={setPeer} label="Peer" />
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add veth pair to draft" />
    </form>
  );
}

function DummyForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const { errors, submit, busy } = useDraftForm(onDone);
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        submit([nameProblem(name)], () => ({ kind: 'createDummy', name }));
      }}
    >
      <NameInput value={name} onChange={setName} autoFocus />
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add dummy to draft" />
    </form>
  );
}

/**
 * The "New" menu: a native <details> disclosure (keyboard and screen readers work without
 * extra code) whose items open the matching form in a dialog.
 */
export function NewMenu({ topology }: { topology: Topology }) {
  const [open, setOpen] = useState<NewKind | null>(null);
  const details = useRef<HTMLDetailsElement>(null);
  const close = () => setOpen(null);
  // A <details> stays open until toggled; close it on a click elsewhere or Escape, like a menu.
  useEffect(() => {
    const shut = (e: Event) => {
      const d = details.current;
      if (!d?.open) return;
      if (e instanceof KeyboardEvent ? e.key === 'Escape' : !d.contains(e.target as globalThis.Node)) {
        d.removeAttribute('open');
        if (e instanceof KeyboardEvent) d.querySelector('summary')?.focus();
      }
    };
    document.addEventListener('pointerdown', shut);
    document.addEventListener('keydown', shut);
    return () => {
      document.removeEventListener('pointerdown', shut);
      document.removeEventListener('keydown', shut);
    };
  }, []);
  const title = open ? `New ${NEW_KINDS.find((k) => k.kind === open)!.label.toLowerCase()}` : '';
  return (
    <>
      <details ref={details} className="group relative" data-testid="new-menu">
        <summary className="inline-flex cursor-pointer list-none items-center gap-1 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 [&::-webkit-details-marker]:hidden">
          <span aria-hidden>+</span> New <span aria-hidden className="text-xs transition-transform group-open:rotate-180">▾</span>
        </summary>
        <ul className="absolute left-0 z-20 mt-1 w-56 overflow-hidden rounded-lg border border-slate-200 bg-white py-1 shadow-lg">
          {NEW_KINDS.map((k) => (
            <li key={k.kind}>
              <button
                type="button"
                className="block w-full px-3 py-1.5 text-left text-sm hover:bg-slate-100 focus:bg-slate-100 focus:outline-none"
                onClick={() => {
                  details.current?.removeAttribute('open');
                  setOpen(k.kind);
                }}
              >
                <span className="font-medium text-slate-900">{k.label}</span>
                <span className="block text-xs text-slate-500">{k.hint}</span>
              </button>
            </li>
          ))}
        </ul>
      </details>
      <Modal open={open !== null} onClose={close} title={title} testId="new-form">
        {open === 'bridge' && <BridgeForm onDone={close} />}
        {open === 'bond' && <BondForm topology={topology} onDone={close} />}
        {open === 'vlan' && <VlanForm topology={topology} onDone={close} />}
        {open === 'veth' && <VethForm onDone={close} />}
        {open === 'dummy' && <DummyForm onDone={close} />}
        {open === 'network' && <NetworkForm topology={topology} onDone={close} />}
      </Modal>
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// Editing one interface (the inspector's lower half)

function MtuForm({ iface }: { iface: NetInterface }) {
  const [mtu, setMtu] = useState(String(iface.mtu));
  const { run, errors, busy } = useInlineAdd();
  return (
    <InlineForm
      label="Set MTU"
      busy={busy}
      errors={errors}
      onSubmit={() => {
        const n = Number(mtu);
        run(Number.isInteger(n) && n >= MTU_MIN && n <= MTU_MAX ? { kind: 'setMtu', dev: iface.name, mtu: n } : `An MTU is ${MTU_MIN}-${MTU_MAX}.`);
      }}
    >
      <Labelled label="MTU">
        <input className={CONTROL} type="number" min={MTU_MIN} max={MTU_MAX} value={mtu} onChange={(e) => setMtu(e.target.value)} />
      </Labelled>
    </InlineForm>
  );
}

function MacForm({ iface }: { iface: NetInterface }) {
  const [mac, setMac] = useState(iface.mac ?? '');
  const { run, errors, busy } = useInlineAdd();
  return (
    <InlineForm
      label="Set MAC"
      busy={busy}
      errors={errors}
      onSubmit={() => run(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac) ? { kind: 'setMac', dev: iface.name, mac } : 'A MAC address looks like 02:00:5e:10:00:01.')}
    >
      <Labelled label="MAC address">
        <input className={`${CONTROL} font-mono`} value={mac} onChange={(e) => setMac(e.target.value.trim())} spellCheck={false} />
      </Labelled>
    </InlineForm>
  );
}

function AddressesForm({ iface }: { iface: NetInterface }) {
  const [address, setAddress] = useState('');
  const { run, errors, busy } = useInlineAdd();
  return (
    <div className="space-y-1.5">
      {iface.addresses.length === 0 ? (
        <p className="text-slate-500">No addresses.</p>
      ) : (
        <ul className="space-y-1" data-testid="address-list">
          {iface.addresses.map((a) => {
            const cidr = `${a.address}/${a.prefixLength}`;
            return (
              <li key={cidr} className="flex items-center gap-2">
                <span className="min-w-0 flex-1 truncate font-mono">{cidr}</span>
                <span className="text-[10px] text-slate-400">{a.scope}</span>
                <button
                  type="button"
                  aria-label={`Remove address ${cidr}`}
                  disabled={busy}
                  onClick={() => run({ kind: 'removeAddress', dev: iface.name, address: cidr })}
                  className="rounded px-1.5 text-xs text-red-700 hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-500 disabled:text-red-300"
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <InlineForm
        label="Add address"
        busy={busy}
        errors={errors}
        onSubmit={() =>
          run(/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(address) ? { kind: 'addAddress', dev: iface.name, address } : 'An address needs a prefix length, like 192.0.2.10/24.', () =>
            setAddress(''),
          )
        }
      >
        <Labelled label="New address">
          <input className={`${CONTROL} font-mono`} value={address} placeholder="192.0.2.10/24" onChange={(e) => setAddress(e.target.value.trim())} spellCheck={false} />
        </Labelled>
      </InlineForm>
    </div>
  );
}

function PortVlansForm({ iface }: { iface: NetInterface }) {
  const vlans = iface.bridgePort?.vlans ?? [];
  const initial = portVlansToLists(vlans);
  const [pvid, setPvid] = useState(initial.pvid);
  const [pvidUntagged, setPvidUntagged] = useState(vlans.find((v) => v.pvid)?.untagged ?? true);
  const [tagged, setTagged] = useState(initial.tagged);
  const [untagged, setUntagged] = useState(initial.untagged);
  const { run, errors, busy } = useInlineAdd();
  return (
    <form
      className="space-y-1.5"
      onSubmit={(e) => {
        e.preventDefault();
        const result = listsToPortVlans(pvid, tagged, untagged, pvidUntagged);
        run(typeof result === 'string' ? result : { kind: 'setBridgeVlans', dev: iface.name, vlans: result });
      }}
    >
      <div className="grid grid-cols-2 gap-2">
        <Labelled label="PVID">
          <input className={CONTROL} type="number" min={1} max={4094} value={pvid} onChange={(e) => setPvid(e.target.value)} />
        </Labelled>
        <label className="flex items-end gap-1.5 pb-1 text-xs text-slate-700" title="Frames of the PVID leave this port without a tag">
          <input type="checkbox" checked={pvidUntagged} onChange={(e) => setPvidUntagged(e.target.checked)} />
          Native, untagged
        </label>
      </div>
      <Labelled label="VLANs tagged">
        <input className={CONTROL} value={tagged} placeholder="10, 20-22" onChange={(e) => setTagged(e.target.value)} />
      </Labelled>
      <Labelled label="VLANs untagged">
        <input className={CONTROL} value={untagged} placeholder="30" onChange={(e) => setUntagged(e.target.value)} />
      </Labelled>
      <Errors errors={errors} />
      <div className="flex justify-end">
        <Button type="submit" variant="secondary" className="!px-2 !py-1 text-xs" disabled={busy}>
          Set port VLANs
        </Button>
      </div>
    </form>
  );
}

function ConnectForm({ iface, topology }: { iface: NetInterface; topology: Topology }) {
  const masters = topology.interfaces.filter((m) => (m.kind === 'bridge' || m.kind === 'bond') && m.name !== iface.name && m.name !== iface.master);
  const [master, setMaster] = useState(masters[0]?.name ?? '');
  const { run, errors, busy } = useInlineAdd();
  if (!masters.length) return null;
  return (
    <InlineForm label="Connect" busy={busy} errors={errors} onSubmit={() => run(master ? { kind: 'setMaster', dev: iface.name, master } : 'Choose a bridge or bond.')}>
      <Labelled label={iface.master ? 'Move to' : 'Connect to'}>
        <select className={CONTROL} value={master} onChange={(e) => setMaster(e.target.value)}>
          {masters.map((m) => (
            <option key={m.name} value={m.name}>
              {m.name} ({m.kind})
            </option>
          ))}
        </select>
      </Labelled>
    </InlineForm>
  );
}

/**
 * The inspector's editing controls for one interface of the drawn (projected) topology. Only
 * for admins and operators; the pending mark says whether the draft already removes it.
 */
export function InterfaceEditor({ iface, topology, pending }: { iface: NetInterface; topology: Topology; pending?: string }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit) return null;
  if (pending === 'removed') {
    return <p className="rounded-md bg-red-50 px-2 py-1.5 text-red-800">The draft deletes {iface.name}; undo that in the draft to edit it.</p>;
  }
  // A VM's tap is changed as the VM's NIC (libvirt owns it), never with kernel commands.
  const owner = iface.owner;
  const vm = owner ? topology.vms.find((v) => v.name === owner.vm) : undefined;
  const nic = vm?.nics.find((n) => n.mac === owner?.mac);
  if (owner) {
    return (
      <div data-testid="interface-editor" className="space-y-2 rounded-lg border border-sky-100 bg-sky-50/40 p-2.5">
        <p className="text-slate-700">
          {iface.name} is the host side of {owner.vm}&apos;s NIC {owner.mac}; libvirt manages it. Change the NIC instead:
        </p>
        {vm && nic && <NicEditor vm={vm} nic={nic} topology={topology} />}
      </div>
    );
  }
  const master = iface.master ? topology.interfaces.find((m) => m.name === iface.master) : undefined;
  const vlanPort = master?.kind === 'bridge' && master.bridge?.vlanFiltering;
  // Keyed by name and what the form shows, so a form resets when the draft changes its subject.
  const key = `${iface.name}|${iface.mtu}|${iface.mac}`;
  return (
    <div data-testid="interface-editor" className="space-y-3 rounded-lg border border-sky-100 bg-sky-50/40 p-2.5">
      <h4 className="text-xs font-semibold text-sky-900">Edit (adds to the draft)</h4>
      <Section title="Link">
        <div className="flex flex-wrap gap-2">
          <ActionButton op={{ kind: 'setLinkState', dev: iface.name, up: !iface.adminUp }} label={`Set ${iface.name} ${iface.adminUp ? 'down' : 'up'}`} />
        </div>
        <MtuForm key={`mtu|${key}`} iface={iface} />
        <MacForm key={`mac|${key}`} iface={iface} />
      </Section>
      <Section title="Addresses">
        <AddressesForm key={iface.name} iface={iface} />
      </Section>
      {iface.kind !== 'bridge' && iface.kind !== 'bond' && (
        <Section title="Master">
          {iface.master && (
            <ActionButton op={{ kind: 'unsetMaster', dev: iface.name }} label={`Disconnect from ${iface.master}`} />
          )}
          <ConnectForm key={`${iface.name}|${iface.master}`} iface={iface} topology={topology} />
        </Section>
      )}
      {vlanPort && (
        <Section title={`Port VLANs on ${master.name}`}>
          <PortVlansForm key={`${iface.name}|${JSON.stringify(iface.bridgePort?.vlans ?? [])}`} iface={iface} />
        </Section>
      )}
      {DELETABLE_KINDS.has(iface.kind) && (
        <Section title="Delete">
          <ActionButton op={{ kind: 'deleteInterface', name: iface.name }} label={`Delete ${iface.name}`} variant="danger" />
          {iface.kind === 'veth' && iface.peer && <p className="text-slate-500">Deleting one end of a veth pair deletes {iface.peer} too.</p>}
        </Section>
      )}
    </div>
  );
}

/** The inspector for a selected `member:<dev>` edge: who is a port of what, and a way out. */
export function MemberEdgeEditor({ dev, master, pending }: { dev: string; master: string; pending?: 'added' | 'removed' }) {
  const editor = useOptionalDraftEditor();
  return (
    <div data-testid="inspector" className="space-y-3 text-xs">
      <h3 className="text-base font-semibold">
        {dev} → {master} <span className="text-xs font-normal text-slate-500">port membership</span>
      </h3>
      <p className="text-slate-600">
        {dev} is {pending === 'added' ? 'to become' : pending === 'removed' ? 'to stop being' : ''} a port of {master}
        {pending ? ' when the draft is applied.' : '.'}
      </p>
      {editor?.canEdit && pending !== 'removed' && (
        <>
          <ActionButton op={{ kind: 'unsetMaster', dev }} label={`Disconnect ${dev} from ${master}`} />
          <p className="text-slate-500">Or press Delete while the edge is selected.</p>
        </>
      )}
    </div>
  );
}
