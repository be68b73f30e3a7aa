'use client';

// The forms that draft libvirt and forwarding operations: "New" → network, the inspector's
// editor for one network (start, stop, autostart, delete, addressing, bandwidth, DHCP
// reservations), and IP forwarding on the host card. The browser checks only the basics; the server's validation
// (subnets that overlap, ranges outside the subnet, VMs a stop cuts off) is what people read.
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, Check, CONTROL, Errors, FormActions, InlineForm, Labelled, Section, useDraftForm, useInlineAdd } from '@/components/changes/form-parts';
import { CREATABLE_MODES, MODE_WORDS, networkSettingsOf, nicOnNetwork, OWN_BRIDGE_MODES, type CreatableMode, type NetworkBandwidth } from '@/server/plan/libvirt';
import type { Operation } from '@/server/plan/ops';
import { FORWARDING_FILE, type LibvirtNetwork, type Topology } from '@/server/topology/model';
import { bandwidthInWords } from '@/server/topology/words';

const MODE_HINTS: Record<CreatableMode, string> = {
  nat: 'VMs reach out through the host’s address (masquerade); the host runs DHCP and DNS.',
  route: 'VMs get a subnet the host routes to its LAN, without NAT; the LAN needs a route back.',
  open: 'Like routed, but libvirt adds no firewall rules at all.',
  isolated: 'VMs reach each other and the host only.',
  bridge: 'VMs join an existing Linux or Open vSwitch bridge, on the host’s own LAN.',
  private: 'macvtap: VMs on the devices cannot reach each other or the host.',
  vepa: 'macvtap: traffic between VMs goes through the external switch.',
  passthrough: 'macvtap: each VM takes a whole device.',
};

/** The first /24 in 192.168.100-254 that no network, interface or route on the host uses. */
export function freeSubnet(t: Topology): string {
  const used = new Set([
    ...t.networks.flatMap((n) => n.ips.map((ip) => ip.address.split('.').slice(0, 3).join('.'))),
    ...t.interfaces.flatMap((i) => i.addresses.map((a) => a.address.split('.').slice(0, 3).join('.'))),
    ...t.routes.map((r) => r.dst.split('.').slice(0, 3).join('.')),
  ]);
  for (let third = 100; third < 255; third++) if (!used.has(`192.168.${third}`)) return `192.168.${third}`;
  return '10.200.0';
}

/** libvirt takes kB/s of 1000 bytes (server/topology/words.ts); people give Mbit/s: 1 Mbit/s is 125 kB/s. */
const KB_PER_MBIT = 125;
/** "8" for 1000 kB/s; empty for no limit. */
export const mbitText = (kb: number | undefined): string => (kb ? String(Number((kb / KB_PER_MBIT).toFixed(3))) : '');

export type LimitText = { inbound: string; outbound: string };

/**
 * A network's limits from the averages people give in Mbit/s (empty: no limit that way). A
 * direction that stays limited keeps the peak and burst it has (this form does not show them).
 * A sentence when a value is not a positive number.
 */
export function networkLimits(text: LimitText, current?: NetworkBandwidth): NetworkBandwidth | string {
  const limits: NetworkBandwidth = {};
  for (const dir of ['inbound', 'outbound'] as const) {
    const given = text[dir].trim();
    if (!given) continue;
    const mbit = Number(given);
    if (!(mbit > 0) || !Number.isFinite(mbit)) return `The limit ${dir === 'inbound' ? 'to' : 'from'} the VMs, "${given}", is not a positive number of Mbit/s.`;
    const kept = current?.[dir];
    limits[dir] = { average: Math.max(1, Math.round(mbit * KB_PER_MBIT)), ...(kept?.peak ? { peak: kept.peak } : {}), ...(kept?.burst ? { burst: kept.burst } : {}) };
  }
  return limits;
}

/** The two averages: traffic to the VMs (libvirt's inbound) and from them (outbound), all VMs together. */
function LimitInputs({ value, onChange }: { value: LimitText; onChange: (v: LimitText) => void }) {
  return (
    <div className="grid grid-cols-2 gap-2">
      {(['inbound', 'outbound'] as const).map((dir) => (
        <Labelled key={dir} label={`${dir === 'inbound' ? 'To' : 'From'} the VMs, Mbit/s`}>
          <input className={CONTROL} value={value[dir]} inputMode="decimal" placeholder="no limit" onChange={(e) => onChange({ ...value, [dir]: e.target.value.trim() })} />
        </Labelled>
      ))}
    </div>
  );
}

export function NetworkForm({ topology, onDone }: { topology: Topology; onDone: () => void }) {
  const subnet = freeSubnet(topology);
  const [name, setName] = useState('');
  const [mode, setMode] = useState<CreatableMode>('nat');
  const [address, setAddress] = useState(`${subnet}.1`);
  const [prefix, setPrefix] = useState('24');
  const [dhcp, setDhcp] = useState(true);
  const [rangeStart, setRangeStart] = useState(`${subnet}.100`);
  const [rangeEnd, setRangeEnd] = useState(`${subnet}.199`);
  const [bridge, setBridge] = useState('');
  const [devices, setDevices] = useState<string[]>([]);
  const [domain, setDomain] = useState('');
  const [limitText, setLimitText] = useState<LimitText>({ inbound: '', outbound: '' });
  const [active, setActive] = useState(true);
  const [autostart, setAutostart] = useState(true);
  const { errors, submit, busy } = useDraftForm(onDone);
  const ownBridge = OWN_BRIDGE_MODES.includes(mode);
  const bridges = topology.interfaces.filter((i) => i.kind === 'bridge' && !topology.networks.some((n) => n.bridge === i.name && OWN_BRIDGE_MODES.includes(n.mode)));
  const lowerDevices = topology.interfaces.filter((i) => ['ethernet', 'bond', 'vlan'].includes(i.kind));
  const usesDevices = !ownBridge && (mode !== 'bridge' || !bridge);
  const limits = ownBridge ? networkLimits(limitText) : {};

  const build = (): Operation => ({
    kind: 'createNetwork',
    name,
    mode,
    ...(mode === 'bridge' && bridge ? { bridge } : {}),
    ...(usesDevices && devices.length ? { devices } : {}),
    ...(ownBridge && address
      ? { ipv4: { address, prefixLength: Number(prefix), dhcpRanges: dhcp ? [{ start: rangeStart, end: rangeEnd }] : [], hosts: [] } }
      : {}),
    ...(ownBridge && domain ? { domain } : {}),
    ...(typeof limits === 'object' && (limits.inbound || limits.outbound) ? { bandwidth: limits } : {}),
    active,
    autostart,
  });
  return (
    <form
      className="space-y-3"
      data-testid="network-form"
      onSubmit={(e) => {
        e.preventDefault();
        submit([name ? null : 'A name is required.', ownBridge && mode === 'nat' && !address ? 'A NAT network needs an IPv4 address.' : null, typeof limits === 'string' ? limits : null], build);
      }}
    >
      <Labelled label="Name" hint="Letters, digits, dot, dash or underscore">
        <input className={CONTROL} value={name} onChange={(e) => setName(e.target.value.trim())} autoFocus autoComplete="off" spellCheck={false} />
      </Labelled>
      <Labelled label="Mode" hint={MODE_HINTS[mode]}>
        <select className={CONTROL} value={mode} onChange={(e) => setMode(e.target.value as CreatableMode)}>
          {CREATABLE_MODES.map((m) => (
            <option key={m} value={m}>
              {MODE_WORDS[m]}
            </option>
          ))}
        </select>
      </Labelled>
      {ownBridge && (
        <fieldset className="space-y-2 rounded-md border border-slate-200 p-2">
          <legend className="px-1 text-xs font-medium text-slate-600">IPv4 (the host’s address on the network)</legend>
          <div className="grid grid-cols-[1fr_5rem] gap-2">
            <Labelled label="Address">
              <input className={CONTROL} value={address} onChange={(e) => setAddress(e.target.value.trim())} spellCheck={false} />
            </Labelled>
            <Labelled label="Prefix">
              <input className={CONTROL} value={prefix} inputMode="numeric" onChange={(e) => setPrefix(e.target.value.trim())} />
            </Labelled>
          </div>
          <Check label="DHCP" checked={dhcp} onChange={setDhcp} hint="libvirt's dnsmasq hands out addresses from the range." />
          {dhcp && (
            <div className="grid grid-cols-2 gap-2">
              <Labelled label="Range from">
                <input className={CONTROL} value={rangeStart} onChange={(e) => setRangeStart(e.target.value.trim())} spellCheck={false} />
              </Labelled>
              <Labelled label="to">
                <input className={CONTROL} value={rangeEnd} onChange={(e) => setRangeEnd(e.target.value.trim())} spellCheck={false} />
              </Labelled>
            </div>
          )}
          <Labelled label="DNS domain (optional)" hint="VMs are known as name.domain to each other.">
            <input className={CONTROL} value={domain} onChange={(e) => setDomain(e.target.value.trim())} spellCheck={false} />
          </Labelled>
        </fieldset>
      )}
      {ownBridge && (
        <fieldset className="space-y-1 rounded-md border border-slate-200 p-2">
          <legend className="px-1 text-xs font-medium text-slate-600">Bandwidth (optional; all VMs together, shaped on the network’s bridge)</legend>
          <LimitInputs value={limitText} onChange={setLimitText} />
        </fieldset>
      )}
      {mode === 'bridge' && (
        <Labelled label="Bridge" hint="An existing bridge; or leave empty and pick devices for a macvtap bridge pool.">
          <select className={CONTROL} value={bridge} onChange={(e) => setBridge(e.target.value)}>
            <option value="">— macvtap devices instead —</option>
            {bridges.map((b) => (
              <option key={b.name} value={b.name}>
                {b.name}
              </option>
            ))}
          </select>
        </Labelled>
      )}
      {usesDevices && (
        <fieldset className="space-y-1 rounded-md border border-slate-200 p-2">
          <legend className="px-1 text-xs font-medium text-slate-600">Host devices VMs attach to</legend>
          {lowerDevices.map((d) => (
            <Check
              key={d.name}
              label={d.name}
              checked={devices.includes(d.name)}
              onChange={(on) => setDevices((cur) => (on ? [...cur, d.name] : cur.filter((x) => x !== d.name)))}
            />
          ))}
        </fieldset>
      )}
      <Check label="Start now" checked={active} onChange={setActive} />
      <Check label="Start at boot" checked={autostart} onChange={setAutostart} />
      <Errors errors={errors} />
      <FormActions busy={busy} onCancel={onDone} label="Add network to draft" />
    </form>
  );
}

/** A reservation: IPv4 by MAC, IPv6 by DUID (either may have a name; IPv6 may have a name alone). */
function ReservationForm({ network }: { network: LibvirtNetwork }) {
  const [client, setClient] = useState('');
  const [hostName, setHostName] = useState('');
  const [ip, setIp] = useState('');
  const { run, errors, busy } = useInlineAdd();
  const v6 = ip.includes(':');
  const hasV6 = network.ips.some((x) => x.family === 'ipv6');
  const submit = () => {
    if (!ip) return run('A reservation needs an IP address.');
    if (!v6 && !client) return run('An IPv4 reservation needs the MAC address of the VM NIC.');
    if (v6 && !client && !hostName) return run('An IPv6 reservation needs the client’s DUID or a host name.');
    return run({ kind: 'addDhcpHost', network: network.name, ip, ...(client ? (v6 ? { id: client } : { mac: client }) : {}), ...(hostName ? { name: hostName } : {}) }, () => {
      setClient('');
      setHostName('');
      setIp('');
    });
  };
  return (
    <InlineForm label="Reserve" busy={busy} errors={errors} onSubmit={submit}>
      <div className="grid grid-cols-3 gap-1">
        <input aria-label={v6 ? 'DUID' : 'MAC address'} placeholder={v6 ? 'DUID 00:03:00:01:…' : hasV6 ? 'MAC (IPv4) or DUID (IPv6)' : '52:54:00:…'} className={CONTROL} value={client} onChange={(e) => setClient(e.target.value.trim())} spellCheck={false} />
        <input aria-label="Host name" placeholder="name" className={CONTROL} value={hostName} onChange={(e) => setHostName(e.target.value.trim())} spellCheck={false} />
        <input aria-label="IP address" placeholder="IP" className={CONTROL} value={ip} onChange={(e) => setIp(e.target.value.trim())} spellCheck={false} />
      </div>
    </InlineForm>
  );
}

/** Address, prefix and DHCP range of a network of libvirt's own bridge: a redefinition and restart. */
function AddressingForm({ network }: { network: LibvirtNetwork }) {
  const v4 = network.ips.find((ip) => ip.family === 'ipv4');
  const [address, setAddress] = useState(v4?.address ?? '');
  const [prefix, setPrefix] = useState(String(v4?.prefixLength ?? 24));
  const [start, setStart] = useState(v4?.dhcpRanges[0]?.start ?? '');
  const [end, setEnd] = useState(v4?.dhcpRanges[0]?.end ?? '');
  const { run, errors, busy } = useInlineAdd();
  const settings = networkSettingsOf(network);
  return (
    <InlineForm
      label="Change"
      busy={busy}
      errors={errors}
      onSubmit={() =>
        run({
          kind: 'editNetwork',
          name: network.name,
          mode: network.mode as 'nat' | 'route' | 'open' | 'isolated',
          // Everything else the network has (IPv6, domain, NAT ports, reservations, bandwidth) stays as it is.
          ...settings,
          ipv4: address ? { address, prefixLength: Number(prefix), dhcpRanges: start && end ? [{ start, end }] : [], hosts: settings.ipv4?.hosts ?? [] } : undefined,
        })
      }
    >
      <div className="grid grid-cols-[1fr_3.5rem] gap-1">
        <input aria-label="Network address" className={CONTROL} value={address} onChange={(e) => setAddress(e.target.value.trim())} spellCheck={false} />
        <input aria-label="Prefix length" className={CONTROL} value={prefix} onChange={(e) => setPrefix(e.target.value.trim())} inputMode="numeric" />
      </div>
      <div className="mt-1 grid grid-cols-2 gap-1">
        <input aria-label="DHCP from" placeholder="DHCP from" className={CONTROL} value={start} onChange={(e) => setStart(e.target.value.trim())} spellCheck={false} />
        <input aria-label="DHCP to" placeholder="to" className={CONTROL} value={end} onChange={(e) => setEnd(e.target.value.trim())} spellCheck={false} />
      </div>
    </InlineForm>
  );
}

/** The network's limits, all VMs together: a redefinition and restart, everything else kept. */
function BandwidthForm({ network }: { network: LibvirtNetwork }) {
  const settings = networkSettingsOf(network);
  const [text, setText] = useState<LimitText>({ inbound: mbitText(settings.bandwidth?.inbound?.average), outbound: mbitText(settings.bandwidth?.outbound?.average) });
  const { run, errors, busy } = useInlineAdd();
  const submit = () => {
    const limits = networkLimits(text, settings.bandwidth);
    if (typeof limits === 'string') return run(limits);
    // Everything else the network has (addresses, DHCP, domain, NAT ports) stays as it is.
    return run({ kind: 'editNetwork', name: network.name, mode: network.mode as 'nat' | 'route' | 'open' | 'isolated', ...settings, bandwidth: limits.inbound || limits.outbound ? limits : undefined });
  };
  return (
    <InlineForm label="Set limits" busy={busy} errors={errors} onSubmit={submit}>
      <p className="mb-1 text-slate-600">{network.bandwidth ? `Now ${bandwidthInWords(network.bandwidth)}.` : 'No limit now.'} Empty: no limit that way.</p>
      <LimitInputs value={text} onChange={setText} />
    </InlineForm>
  );
}

/** The inspector's editing controls for one libvirt network (admins and operators). */
export function NetworkEditor({ network, topology }: { network: LibvirtNetwork; topology: Topology }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit) return null;
  const onIt = topology.vms.filter((vm) => vm.nics.some((n) => nicOnNetwork(n, network)));
  return (
    <div data-testid="network-editor" className="space-y-3 rounded-lg border border-sky-100 bg-sky-50/40 p-2.5">
      <h4 className="text-xs font-semibold text-sky-900">Edit (adds to the draft)</h4>
      <Section title="State">
        {onIt.length > 0 && (
          <p className="text-slate-600">
            On it: {onIt.map((v) => `${v.name} (${v.state})`).join(', ')}. Stopping or deleting it cuts them off, and review asks you to confirm.
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <ActionButton op={{ kind: 'setNetworkActive', name: network.name, active: !network.active }} label={network.active ? 'Stop' : 'Start'} />
          {network.persistent && (
            <ActionButton op={{ kind: 'setNetworkAutostart', name: network.name, autostart: !network.autostart }} label={network.autostart ? 'Do not start at boot' : 'Start at boot'} />
          )}
          {network.persistent && <ActionButton op={{ kind: 'deleteNetwork', name: network.name }} label="Delete network" variant="danger" />}
        </div>
      </Section>
      {OWN_BRIDGE_MODES.includes(network.mode) && network.persistent && (
        <Section title="Addressing (redefines and restarts the network)">
          <AddressingForm network={network} />
        </Section>
      )}
      {OWN_BRIDGE_MODES.includes(network.mode) && network.persistent && (
        <Section title="Bandwidth (redefines and restarts the network)">
          {/* Keyed by the limits: after a refresh or a draft change it starts from what the network has. */}
          <BandwidthForm key={JSON.stringify(network.bandwidth ?? null)} network={network} />
        </Section>
      )}
      {network.ips.length > 0 && (
        <Section title="DHCP reservations (change live, no restart)">
          <ul className="space-y-1">
            {network.ips.flatMap((x) =>
              x.staticHosts.map((h) => (
                <li key={`${h.mac ?? h.id ?? h.name}-${h.ip}`} className="flex items-center justify-between gap-2">
                  <span className="font-mono">
                    {h.ip} ← {h.mac ?? (h.id ? `DUID ${h.id}` : '')}
                    {h.name ? ` (${h.name})` : ''}
                  </span>
                  <ActionButton op={{ kind: 'removeDhcpHost', network: network.name, ip: h.ip, ...(h.mac ? { mac: h.mac } : {}), ...(h.id ? { id: h.id } : {}), ...(h.name ? { name: h.name } : {}) }} label="Release" />
                </li>
              )),
            )}
          </ul>
          <ReservationForm network={network} />
        </Section>
      )}
    </div>
  );
}

/** IP forwarding on the host card: now and at boot, each family one click to change. */
export function ForwardingEditor({ topology }: { topology: Topology }) {
  const editor = useOptionalDraftEditor();
  const file = topology.host.forwardingFile ?? '';
  const families = [
    { family: 'ipv4' as const, label: 'IPv4', on: topology.host.ipForward, key: 'net.ipv4.ip_forward' },
    { family: 'ipv6' as const, label: 'IPv6', on: topology.host.ip6Forward ?? null, key: 'net.ipv6.conf.all.forwarding' },
  ];
  return (
    <div data-testid="forwarding" className="space-y-1">
      {families.map((f) => {
        const kept = new RegExp(`^${f.key.replace(/\./g, '\\.')} = ([01])$`, 'm').exec(file)?.[1];
        return (
          <div key={f.family} className="flex flex-wrap items-center gap-2">
            <span className="w-40 text-slate-500">{f.label} forwarding</span>
            <span className="text-slate-900" data-testid={`forwarding-${f.family}`}>
              {f.on === null ? 'not read' : f.on ? 'on' : 'off'}
              {kept !== undefined ? ` (kept ${kept === '1' ? 'on' : 'off'} at boot by Switchboard)` : ' (boot: the host’s own settings)'}
            </span>
            {editor?.canEdit && f.on !== null && <ActionButton op={{ kind: 'setIpForward', family: f.family, enabled: !f.on, atBoot: true }} label={`Turn ${f.on ? 'off' : 'on'}`} />}
          </div>
        );
      })}
      <p className="text-[11px] text-slate-500">Kept for boot in {FORWARDING_FILE}.</p>
    </div>
  );
}
