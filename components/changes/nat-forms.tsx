'use client';

// The forms that draft NAT: a port forward (from the host card, or prefilled on a VM's
// details), a masquerade (from the host card, prefilled with a libvirt network's subnet), and
// "Remove" beside each rule Switchboard wrote. The browser checks only that fields are filled;
// the server's validation (ports taken, a target no VM holds, rules Switchboard did not write)
// is what people read.
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, useInlineAdd } from '@/components/changes/form-parts';
import { addressesOfVms } from '@/server/topology/addressing';
import type { MasqueradeRule, PortForwardRule, Topology } from '@/server/topology/model';

/** Interfaces a rule can name: not loopback, not VM taps (libvirt re-creates those). */
const ruleInterfaces = (t: Topology) => t.interfaces.filter((i) => i.kind !== 'loopback' && !i.owner).map((i) => i.name);

/** The device of the host's default route (the usual way out), or the first interface. */
export function uplinkOf(t: Topology): string {
  const route = [...t.routes].filter((r) => r.dst === 'default' && r.dev).sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0))[0];
  return route?.dev ?? ruleInterfaces(t)[0] ?? '';
}

const port = (text: string) => (/^\d{1,5}$/.test(text) ? Number(text) : NaN);

export function PortForwardForm({ topology, toAddress = '' }: { topology: Topology; toAddress?: string }) {
  const [protocol, setProtocol] = useState<'tcp' | 'udp'>('tcp');
  const [hostPort, setHostPort] = useState('');
  const [address, setAddress] = useState(toAddress);
  const [toPort, setToPort] = useState('');
  const [inInterface, setInInterface] = useState('');
  const [source, setSource] = useState('');
  const { run, errors, busy } = useInlineAdd();
  const submit = () => {
    if (!hostPort || !address) return run('A port forward needs the host port and the address it goes to.');
    if (Number.isNaN(port(hostPort)) || (toPort && Number.isNaN(port(toPort)))) return run('A port is a number, 1-65535.');
    return run(
      {
        kind: 'addPortForward',
        protocol,
        hostPort: port(hostPort),
        toAddress: address,
        toPort: toPort ? port(toPort) : port(hostPort),
        ...(inInterface ? { inInterface } : {}),
        ...(source ? { source } : {}),
      },
      () => {
        setHostPort('');
        setToPort('');
      },
    );
  };
  return (
    <div data-testid="port-forward-form">
      <InlineForm label="Forward" busy={busy} errors={errors} onSubmit={submit}>
        <div className="grid grid-cols-[4.5rem_4.5rem_1fr_4.5rem] gap-1">
          <select aria-label="Protocol" className={CONTROL} value={protocol} onChange={(e) => setProtocol(e.target.value as 'tcp' | 'udp')}>
            <option value="tcp">tcp</option>
            <option value="udp">udp</option>
          </select>
          <input aria-label="Host port" placeholder="host port" inputMode="numeric" className={CONTROL} value={hostPort} onChange={(e) => setHostPort(e.target.value.trim())} />
          <input aria-label="To address" placeholder="to address" className={CONTROL} value={address} onChange={(e) => setAddress(e.target.value.trim())} spellCheck={false} />
          <input aria-label="To port" placeholder="same" inputMode="numeric" className={CONTROL} value={toPort} onChange={(e) => setToPort(e.target.value.trim())} />
        </div>
        <div className="mt-1 grid grid-cols-2 gap-1">
          <select aria-label="Arriving on" className={CONTROL} value={inInterface} onChange={(e) => setInInterface(e.target.value)}>
            <option value="">arriving on any interface</option>
            {ruleInterfaces(topology).map((n) => (
              <option key={n} value={n}>
                arriving on {n}
              </option>
            ))}
          </select>
          <input aria-label="Only from" placeholder="only from (subnet, optional)" className={CONTROL} value={source} onChange={(e) => setSource(e.target.value.trim())} spellCheck={false} />
        </div>
      </InlineForm>
    </div>
  );
}

export function MasqueradeForm({ topology, source: initial = '' }: { topology: Topology; source?: string }) {
  const [source, setSource] = useState(initial);
  const [outInterface, setOutInterface] = useState(uplinkOf(topology));
  const { run, errors, busy } = useInlineAdd();
  const submit = () => (source && outInterface ? run({ kind: 'addMasquerade', source, outInterface }) : run('A masquerade needs the subnet and the interface it leaves by.'));
  return (
    <div data-testid="masquerade-form">
      <InlineForm label="Masquerade" busy={busy} errors={errors} onSubmit={submit}>
        <div className="grid grid-cols-2 gap-1">
          <input aria-label="Subnet" placeholder="subnet, e.g. 10.66.0.0/24" className={CONTROL} value={source} onChange={(e) => setSource(e.target.value.trim())} spellCheck={false} />
          <select aria-label="Out of" className={CONTROL} value={outInterface} onChange={(e) => setOutInterface(e.target.value)}>
            {ruleInterfaces(topology).map((n) => (
              <option key={n} value={n}>
                out of {n}
              </option>
            ))}
          </select>
        </div>
      </InlineForm>
    </div>
  );
}

/** "Remove" beside a rule Switchboard wrote; nothing for others' rules (libvirt's belong to its network). */
export function RemoveRuleButton({ rule }: { rule: { kind: 'masquerade'; m: MasqueradeRule } | { kind: 'port-forward'; p: PortForwardRule } }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit) return null;
  if (rule.kind === 'masquerade') {
    const { m } = rule;
    if (m.owner !== 'switchboard' || !m.source || !m.outInterface) return null;
    return <ActionButton op={{ kind: 'removeMasquerade', source: m.source, outInterface: m.outInterface }} label="Remove" variant="danger" />;
  }
  const { p } = rule;
  if (p.owner !== 'switchboard') return null;
  return <ActionButton op={{ kind: 'removePortForward', ...portForwardFields(p) }} label="Remove" variant="danger" />;
}

/** A port forward's fields as addPortForward and removePortForward take them. */
const portForwardFields = (p: PortForwardRule) => ({
  protocol: p.protocol,
  hostPort: p.hostPort,
  toAddress: p.toAddress,
  toPort: p.toPort,
  ...(p.inInterface ? { inInterface: p.inInterface } : {}),
  ...(p.source ? { source: p.source } : {}),
});

/**
 * For a forward of Switchboard's whose accept a rule before it blocks: drafts taking the forward
 * away and adding it again, which inserts the accept at the top of FORWARD (each undone exactly).
 */
export function PutForwardBackButton({ p }: { p: PortForwardRule }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || p.owner !== 'switchboard') return null;
  return <ActionButton op={[{ kind: 'removePortForward', ...portForwardFields(p) }, { kind: 'addPortForward', ...portForwardFields(p) }]} label="Put the forward back on top" />;
}

/** The host card's NAT editors, for people who may edit and a host whose firewall was read. */
export function NatEditors({ topology }: { topology: Topology }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || !topology.firewall) return null;
  return (
    <div data-testid="nat-editors" className="space-y-2 text-xs">
      <div>
        <h5 className="mb-1 font-medium text-slate-600">Forward a port of the host</h5>
        <PortForwardForm topology={topology} />
      </div>
      <div>
        <h5 className="mb-1 font-medium text-slate-600">Masquerade a subnet</h5>
        <MasqueradeForm topology={topology} />
      </div>
    </div>
  );
}

/** On a VM's details: a port forward to its first known IPv4 address (the address stays editable). */
export function VmPortForward({ topology, vm }: { topology: Topology; vm: string }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || !topology.firewall) return null;
  const address = addressesOfVms(topology).find((v) => v.vm === vm)?.ips.find((ip) => !ip.includes(':')) ?? '';
  return (
    <div className="text-xs">
      <h5 className="mb-1 font-medium text-slate-600">Forward a port of the host to {vm}</h5>
      <PortForwardForm topology={topology} toAddress={address} />
    </div>
  );
}
