'use client';

// Open vSwitch from the inspector (issue 13): create a bridge (host card), add a port (an
// existing interface or a new internal one, with a tag or trunks) or a tunnel to a bridge,
// delete it; set a port's VLANs or take it off its bridge. The browser turns the fields into
// one operation and says which field is wrong; whether the host can take it (a name taken, a
// VM's tap, a tunnel like another) is the server's to say.
import { useState } from 'react';
import { useOptionalDraftEditor } from '@/components/changes/draft-context';
import { ActionButton, CONTROL, InlineForm, useInlineAdd } from '@/components/changes/form-parts';
import { ZIfName } from '@/server/plan/fields';
import type { Operation } from '@/server/plan/ops';
import { OVS_TUNNEL_TYPES, TUNNEL_DEFAULT_PORT, TUNNEL_KEY_MAX, vlanProblem, vmTapOf, ZTunnelRemote, type OvsTunnelType } from '@/server/plan/ovs';
import type { OvsPort, Topology } from '@/server/topology/model';
import { isBridgeOwnPort, OVS_DATAPATH, ovsIndex } from '@/server/topology/ovs';

const VLAN_MAX = 4094;

// ---- fields ----

/** Why `text` cannot name a port, or null (the kernel's rules, as the server checks them). */
function nameProblem(text: string, empty: string): string | null {
  if (!text) return empty;
  const parsed = ZIfName.safeParse(text);
  return parsed.success ? null : parsed.error.issues[0]!.message;
}

/** A VLAN tag from its field: null when empty, or a sentence when it is not 1-4094. */
export function parseVlanTag(text: string): number | null | string {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d{1,4}$/.test(t) || Number(t) < 1 || Number(t) > VLAN_MAX) return 'A VLAN tag is a number from 1 to 4094.';
  return Number(t);
}

/** Trunks as people write them ("10, 20-22") as the schema holds them ([10, 20, 21, 22]: ascending, once each); empty: none. */
export function parseTrunks(text: string): number[] | string {
  const items = text.replace(/\s*-\s*/g, '-').split(/[\s,]+/).filter(Boolean);
  const vlans = new Set<number>();
  for (const item of items) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(item);
    if (!m) return 'Trunks are VLAN numbers or ranges, like 10, 20-22.';
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const outside = [from, to].find((v) => v < 1 || v > VLAN_MAX);
    if (outside !== undefined) return `Trunks are VLAN numbers from 1 to 4094; ${outside} is not one.`;
    if (to < from) return `A range of trunks goes upward, like 20-22; ${item} does not.`;
    for (let v = from; v <= to; v++) vlans.add(v);
  }
  return [...vlans].sort((a, b) => a - b);
}

/** The schema's trunks as people write them: [10, 20, 21, 22] -> "10, 20-22". */
export function trunksInText(trunks: readonly number[]): string {
  const sorted = [...new Set(trunks)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const from = sorted[i]!;
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i]! + 1) i++;
    parts.push(from === sorted[i] ? String(from) : `${from}-${sorted[i]}`);
  }
  return parts.join(', ');
}

/** Tag and trunks from their fields, or the sentence for the first that is wrong. */
function vlansIn(f: { tag: string; trunks: string }): { tag: number | null; trunks: number[] } | string {
  const tag = parseVlanTag(f.tag);
  if (typeof tag === 'string') return tag;
  const trunks = parseTrunks(f.trunks);
  if (typeof trunks === 'string') return trunks;
  return { tag, trunks };
}

// ---- operations ----

export function createOvsBridgeOperation(name: string): Operation | string {
  const n = name.trim();
  return nameProblem(n, 'A new bridge needs a name.') ?? { kind: 'createOvsBridge', name: n };
}

/** The select's value for "a new internal port" (no interface name can start with "+"). */
export const NEW_INTERNAL_PORT = '+internal';

export interface OvsPortFields {
  /** An interface's name, or NEW_INTERNAL_PORT. */
  source: string;
  /** The new internal port's name (only with NEW_INTERNAL_PORT). */
  name: string;
  tag: string;
  trunks: string;
}

export function addOvsPortOperation(bridge: string, f: OvsPortFields): Operation | string {
  const internal = f.source === NEW_INTERNAL_PORT;
  const port = internal ? f.name.trim() : f.source;
  if (!internal && !port) return 'Choose an interface to add, or a new internal port.';
  const bad = internal ? nameProblem(port, 'A new internal port needs a name.') : null;
  if (bad) return bad;
  const vlans = vlansIn(f);
  if (typeof vlans === 'string') return vlans;
  const mixed = vlanProblem(port, vlans.tag, vlans.trunks, null);
  if (mixed) return mixed;
  return {
    kind: 'addOvsPort',
    bridge,
    port,
    ...(vlans.tag !== null ? { tag: vlans.tag } : {}),
    ...(vlans.trunks.length ? { trunks: vlans.trunks } : {}),
    ...(internal ? { internal: true } : {}),
  };
}

export interface OvsTunnelFields {
  type: string;
  name: string;
  remote: string;
  /** VNI (VXLAN, Geneve) or GRE key; empty: OVS's default. */
  key: string;
  /** UDP port; empty: the protocol's default. GRE has none. */
  dstPort: string;
}

const KEY_WORDS: Record<OvsTunnelType, string> = { vxlan: 'A VXLAN VNI', geneve: 'A Geneve VNI', gre: 'A GRE key' };
const isTunnelType = (t: string): t is OvsTunnelType => (OVS_TUNNEL_TYPES as readonly string[]).includes(t);

export function addOvsTunnelOperation(bridge: string, f: OvsTunnelFields): Operation | string {
  if (!isTunnelType(f.type)) return 'A tunnel is vxlan, gre or geneve.';
  const type = f.type;
  const port = f.name.trim();
  const bad = nameProblem(port, 'A tunnel needs a name.');
  if (bad) return bad;
  const remote = f.remote.trim();
  if (!remote) return 'A tunnel needs the remote address.';
  const far = ZTunnelRemote.safeParse(remote);
  if (!far.success) return far.error.issues[0]!.message;
  const keyText = f.key.trim();
  if (keyText && (!/^\d{1,10}$/.test(keyText) || Number(keyText) > TUNNEL_KEY_MAX[type])) return `${KEY_WORDS[type]} is a number from 0 to ${TUNNEL_KEY_MAX[type]}.`;
  const portText = f.dstPort.trim();
  if (portText && type === 'gre') return 'GRE runs over IP, not UDP: leave the UDP port empty.';
  if (portText && (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)) return 'A UDP port is a number from 1 to 65535.';
  return {
    kind: 'addOvsTunnelPort',
    bridge,
    port,
    type,
    remote,
    ...(keyText ? { key: Number(keyText) } : {}),
    ...(portText ? { dstPort: Number(portText) } : {}),
  };
}

/** A port's VLANs set to the fields (empty: none), given the port as it was read; a sentence when a field is wrong or nothing changes. */
export function setOvsPortVlansOperation(port: Pick<OvsPort, 'name' | 'tag' | 'trunks' | 'vlanMode'>, f: { tag: string; trunks: string }): Operation | string {
  const vlans = vlansIn(f);
  if (typeof vlans === 'string') return vlans;
  if (vlans.tag === port.tag && vlans.trunks.join(',') === [...port.trunks].sort((a, b) => a - b).join(',')) return `${port.name} already has exactly these VLANs.`;
  const problem = vlanProblem(port.name, vlans.tag, vlans.trunks, port.vlanMode);
  if (problem) return problem;
  // Absent fields for none, as a person would write it (the schema reads absent as none).
  return { kind: 'setOvsPortVlans', port: port.name, ...(vlans.tag !== null ? { tag: vlans.tag } : {}), ...(vlans.trunks.length ? { trunks: vlans.trunks } : {}) };
}

/**
 * The interfaces a new port of `bridge` can be: the host's kernel devices on no bridge or bond
 * and in no OVS port, that are not OVS's own devices (bridges, internal ports, the datapath), a
 * Linux bridge (joined with a veth pair), the loopback or a VM's tap.
 */
export function ovsPortCandidates(t: Topology, bridge: string): string[] {
  const inOvs = ovsIndex(t);
  return t.interfaces
    .filter(
      (i) =>
        i.name !== bridge &&
        i.name !== OVS_DATAPATH &&
        !i.master &&
        !i.owner &&
        i.kind !== 'loopback' &&
        i.kind !== 'bridge' &&
        i.rawKind !== 'openvswitch' &&
        !inOvs.bridges.has(i.name) &&
        !inOvs.byInterface.has(i.name) &&
        !inOvs.byPort.has(i.name),
    )
    .map((i) => i.name)
    .sort((a, b) => a.localeCompare(b));
}

// ---- forms ----

/** The host card's "create an OVS bridge", for people who may edit a host with Open vSwitch. */
export function CreateOvsBridgeForm({ topology }: { topology: Topology }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || !topology.ovs) return null;
  return <CreateBridge />;
}

function CreateBridge() {
  const [name, setName] = useState('');
  const { run, errors, busy } = useInlineAdd();
  return (
    <div data-testid="ovs-create-bridge" className="text-xs">
      <h5 className="mb-1 font-medium text-slate-600">Create an Open vSwitch bridge</h5>
      <InlineForm label="Create" busy={busy} errors={errors} onSubmit={() => run(createOvsBridgeOperation(name), () => setName(''))}>
        <input aria-label="Bridge name" placeholder="name, e.g. br-ovs1" className={CONTROL} value={name} onChange={(e) => setName(e.target.value.trim())} spellCheck={false} />
      </InlineForm>
    </div>
  );
}

/** One OVS bridge's editors: add a port, add a tunnel, delete the bridge. */
export function OvsBridgeEditor({ topology, bridge }: { topology: Topology; bridge: string }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit || !ovsIndex(topology).bridges.has(bridge)) return null;
  return (
    <div data-testid="ovs-bridge-editor" className="space-y-2 text-xs">
      <div>
        <h5 className="mb-1 font-medium text-slate-600">Add a port to {bridge}</h5>
        <AddPortForm topology={topology} bridge={bridge} />
      </div>
      <div>
        <h5 className="mb-1 font-medium text-slate-600">Add a tunnel to {bridge}</h5>
        <AddTunnelForm bridge={bridge} />
      </div>
      <ActionButton op={{ kind: 'deleteOvsBridge', name: bridge }} label="Delete this bridge" variant="danger" />
    </div>
  );
}

const EMPTY_PORT = { name: '', tag: '', trunks: '' };

function AddPortForm({ topology, bridge }: { topology: Topology; bridge: string }) {
  const candidates = ovsPortCandidates(topology, bridge);
  const [chosen, setChosen] = useState('');
  const [fields, setFields] = useState(EMPTY_PORT);
  const { run, errors, busy } = useInlineAdd();
  // What the select shows: the choice while it is still free (the draft may have taken it), else the first that is.
  const source = chosen === NEW_INTERNAL_PORT || candidates.includes(chosen) ? chosen : (candidates[0] ?? NEW_INTERNAL_PORT);
  const set = (key: keyof typeof EMPTY_PORT) => (e: { target: { value: string } }) => setFields({ ...fields, [key]: e.target.value.trim() });
  return (
    <InlineForm label="Add" busy={busy} errors={errors} onSubmit={() => run(addOvsPortOperation(bridge, { source, ...fields }), () => setFields(EMPTY_PORT))}>
      <div className="grid grid-cols-2 gap-1">
        <select aria-label="Port" className={CONTROL} value={source} onChange={(e) => setChosen(e.target.value)}>
          {candidates.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
          <option value={NEW_INTERNAL_PORT}>new internal port…</option>
        </select>
        {source === NEW_INTERNAL_PORT ? (
          <input aria-label="Internal port name" placeholder="name, e.g. int1" className={CONTROL} value={fields.name} onChange={set('name')} spellCheck={false} />
        ) : (
          <span />
        )}
        <input aria-label="VLAN tag" placeholder="tag 1-4094 (none)" inputMode="numeric" className={CONTROL} value={fields.tag} onChange={set('tag')} />
        <input aria-label="Trunks" placeholder="trunks, e.g. 10, 20-22" className={CONTROL} value={fields.trunks} onChange={(e) => setFields({ ...fields, trunks: e.target.value })} spellCheck={false} />
      </div>
    </InlineForm>
  );
}

const EMPTY_TUNNEL = { name: '', remote: '', key: '', dstPort: '' };

function AddTunnelForm({ bridge }: { bridge: string }) {
  const [type, setType] = useState<OvsTunnelType>('vxlan');
  const [fields, setFields] = useState(EMPTY_TUNNEL);
  const { run, errors, busy } = useInlineAdd();
  const set = (key: keyof typeof EMPTY_TUNNEL) => (e: { target: { value: string } }) => setFields({ ...fields, [key]: e.target.value.trim() });
  const udp = TUNNEL_DEFAULT_PORT[type];
  return (
    <InlineForm label="Add" busy={busy} errors={errors} onSubmit={() => run(addOvsTunnelOperation(bridge, { type, ...fields, dstPort: udp === null ? '' : fields.dstPort }), () => setFields(EMPTY_TUNNEL))}>
      <div className="grid grid-cols-2 gap-1">
        <select aria-label="Tunnel type" className={CONTROL} value={type} onChange={(e) => setType(e.target.value as OvsTunnelType)}>
          {OVS_TUNNEL_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <input aria-label="Tunnel name" placeholder="name, e.g. vx1" className={CONTROL} value={fields.name} onChange={set('name')} spellCheck={false} />
        <input aria-label="Remote address" placeholder="remote IPv4, e.g. 198.18.0.12" className={CONTROL} value={fields.remote} onChange={set('remote')} spellCheck={false} />
        <input aria-label={type === 'gre' ? 'GRE key' : 'VNI'} placeholder={type === 'gre' ? 'key (none)' : 'VNI (0)'} inputMode="numeric" className={CONTROL} value={fields.key} onChange={set('key')} />
        {udp !== null && <input aria-label="UDP port" placeholder={`UDP port (${udp})`} inputMode="numeric" className={CONTROL} value={fields.dstPort} onChange={set('dstPort')} />}
      </div>
    </InlineForm>
  );
}

/** One port's editors: its VLANs, and taking it off its bridge. Nothing for the bridge's own port (it goes with the bridge). */
export function OvsPortEditor({ topology, bridge, port }: { topology: Topology; bridge: string; port: string }) {
  const editor = useOptionalDraftEditor();
  if (!editor?.canEdit) return null;
  const place = ovsIndex(topology).byPort.get(port);
  if (!place || place.bridge.name !== bridge || isBridgeOwnPort(place.bridge, place.port)) return null;
  const p = place.port;
  // libvirt put a VM's tap there: say where to change it instead of offering a removal the server refuses.
  const tap = vmTapOf(topology, p);
  return (
    <div data-testid="ovs-port-editor" className="space-y-2 text-xs">
      <div>
        <h5 className="mb-1 font-medium text-slate-600">VLANs of {port}</h5>
        <PortVlansForm key={`${port}|${p.tag}|${p.trunks.join(',')}`} port={p} />
      </div>
      {tap ? <p className="text-slate-500">{tap}</p> : <ActionButton op={{ kind: 'removeOvsPort', bridge, port }} label="Remove from bridge" variant="danger" />}
    </div>
  );
}

function PortVlansForm({ port }: { port: OvsPort }) {
  const [tag, setTag] = useState(port.tag === null ? '' : String(port.tag));
  const [trunks, setTrunks] = useState(trunksInText(port.trunks));
  const { run, errors, busy } = useInlineAdd();
  return (
    <InlineForm label="Set" busy={busy} errors={errors} onSubmit={() => run(setOvsPortVlansOperation(port, { tag, trunks }))}>
      <div className="grid grid-cols-2 gap-1">
        <input aria-label="VLAN tag" placeholder="tag 1-4094 (none)" inputMode="numeric" className={CONTROL} value={tag} onChange={(e) => setTag(e.target.value.trim())} />
        <input aria-label="Trunks" placeholder="trunks, e.g. 10, 20-22 (none)" className={CONTROL} value={trunks} onChange={(e) => setTrunks(e.target.value)} spellCheck={false} />
      </div>
    </InlineForm>
  );
}
