'use client';

import type { ReactNode } from 'react';
import { OvsBridgeEditor, OvsPortEditor } from '@/components/changes/ovs-forms';
import type { OvsBridge, OvsInterface, OvsPort, Topology } from '@/server/topology/model';
import { datapathDeviceOf, isBridgeOwnPort, ovsIndex, TUNNEL_TYPES } from '@/server/topology/ovs';
import { ovsTunnelInWords, ovsTypeInWords, ovsVlanInWords } from '@/server/topology/words';

/** What an interface of a port is beyond its type: tunnel endpoints, patch peer, the VM NIC libvirt recorded, OVS's error. */
function interfaceDetails(i: OvsInterface): string[] {
  return [
    TUNNEL_TYPES.has(i.type) ? ovsTunnelInWords(i) : null,
    i.type === 'patch' ? `joined to ${i.peer ?? 'no peer set'}` : null,
    i.attachedMac ? `VM NIC ${i.attachedMac}` : null,
    i.error ? `error: ${i.error}` : null,
  ].filter((x): x is string => x !== null);
}

const portType = (p: OvsPort) => (p.bond ? 'bond' : ovsTypeInWords(p.interfaces[0]?.type ?? 'system'));

function portDetails(p: OvsPort): string {
  if (p.bond) {
    const members = p.interfaces.map((i) => [i.name, ...interfaceDetails(i)].join(': ')).join(', ');
    return `${p.bond.mode ?? 'active-backup'}${p.bond.lacp ? `, LACP ${p.bond.lacp}` : ''}; ${members}`;
  }
  const i = p.interfaces[0];
  return [i && i.name !== p.name ? `interface ${i.name}` : null, ...(i ? interfaceDetails(i) : [])].filter(Boolean).join('; ');
}

/**
 * An OVS bridge's ports, one row each: type, VLANs and what else there is to know, in words.
 * With `topology`, the bridge's editors follow for people who may edit (they render nothing otherwise).
 */
export function OvsBridgePorts({ bridge, topology }: { bridge: OvsBridge; topology?: Topology }) {
  return (
    <div>
      <h4 className="mb-1 font-semibold text-slate-700">Open vSwitch ports</h4>
      <table data-testid="ovs-ports" className="w-full text-left text-[11px]">
        <thead className="text-slate-500">
          <tr>
            <th className="pr-2 font-medium">Port</th>
            <th className="pr-2 font-medium">Type</th>
            <th className="pr-2 font-medium">VLANs</th>
            <th className="font-medium">Details</th>
          </tr>
        </thead>
        <tbody>
          {bridge.ports.map((p) => (
            <tr key={p.name} data-port={p.name} className="border-t border-slate-100 align-top">
              <td className="break-all pr-2 font-medium text-slate-800">{p.name}</td>
              <td className="pr-2">{isBridgeOwnPort(bridge, p) ? "the bridge's own internal port" : portType(p)}</td>
              <td className="pr-2">{ovsVlanInWords(p)}</td>
              <td className="break-all">{portDetails(p) || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {topology && (
        <div className="mt-2">
          <OvsBridgeEditor topology={topology} bridge={bridge.name} />
        </div>
      )}
    </div>
  );
}

function Line({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_1fr] gap-2 py-0.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all text-slate-900">{children}</dd>
    </div>
  );
}

/** Rows for an interface that is (part of) an OVS port: its bridge, VLANs, bond, tunnel. For the interface inspector. */
export function OvsPortRows({ topology, name }: { topology: Topology; name: string }) {
  const place = ovsIndex(topology).byInterface.get(name) ?? null;
  if (!place || place.bridge.name === name) return null;
  const { bridge, port, iface } = place;
  return (
    <>
      <Line label="Open vSwitch">
        {port.name === iface.name ? `port of ${bridge.name}` : `in port ${port.name} of ${bridge.name}`}, {ovsVlanInWords(port)}
      </Line>
      {port.bond && <Line label="OVS bond">{portDetails(port)}</Line>}
      {interfaceDetails(iface).length > 0 && <Line label="OVS interface">{interfaceDetails(iface).join('; ')}</Line>}
    </>
  );
}

/**
 * An OVS port without a kernel device of its own (a tunnel, a patch, a bond), or with
 * `interface` one of a bond's interfaces, by the name its node carries: its bridge, VLANs and
 * endpoints.
 */
export function OvsPortInspector({ topology, name, interface: isInterface = false }: { topology: Topology; name: string; interface?: boolean }) {
  const index = ovsIndex(topology);
  // Port and interface names are apart in OVS: the node says which it names.
  const byPort = isInterface ? undefined : index.byPort.get(name);
  const byInterface = isInterface ? index.byInterface.get(name) : undefined;
  const place = byPort ?? byInterface;
  if (!place) return <p className="text-sm text-slate-500">{name} is no longer an Open vSwitch port.</p>;
  const { bridge, port } = place;
  const iface = byPort ? (port.bond ? null : (port.interfaces[0] ?? null)) : byInterface!.iface;
  const device = iface ? datapathDeviceOf(iface) : null;
  return (
    <div data-testid="inspector" className="space-y-3 text-xs">
      <h3 className="break-all text-base font-semibold">
        {name} <span className="text-xs font-normal text-slate-500">{port.bond && !iface ? 'OVS bond' : `OVS ${ovsTypeInWords(iface?.type ?? 'system')}`}</span>
      </h3>
      <dl data-testid="ovs-port">
        <Line label="Bridge">{bridge.name}</Line>
        {iface && iface.name !== port.name && <Line label="Port">{port.name}</Line>}
        <Line label="VLANs">{ovsVlanInWords(port)}</Line>
        {port.bond && <Line label="Bond">{portDetails(port)}</Line>}
        {iface && TUNNEL_TYPES.has(iface.type) && <Line label="Tunnel">{ovsTunnelInWords(iface)}</Line>}
        {iface && TUNNEL_TYPES.has(iface.type) && device && <Line label="Kernel device">{device} (shared by the datapath&apos;s {ovsTypeInWords(iface.type)} ports)</Line>}
        {iface?.type === 'patch' && <Line label="Patched to">{iface.peer ?? 'no peer set'}</Line>}
        {iface?.attachedMac && <Line label="VM NIC">{iface.attachedMac}</Line>}
        {iface?.error && <Line label="Error">{iface.error}</Line>}
      </dl>
      {/* A bond's member edits nothing of its own: the bond (its port) carries the VLANs. */}
      {byPort && <OvsPortEditor topology={topology} bridge={bridge.name} port={port.name} />}
    </div>
  );
}

/**
 * The port editor for an interface node that is an OVS port of its own name (a NIC, an internal
 * port): for the interface inspector, below its rows. Nothing for a bridge, a bond's member or a
 * device in no OVS port.
 */
export function OvsInterfacePortEditor({ topology, name }: { topology: Topology; name: string }) {
  const place = ovsIndex(topology).byPort.get(name);
  if (!place || place.bridge.name === name) return null;
  return <OvsPortEditor topology={topology} bridge={place.bridge.name} port={name} />;
}

/** Which OVS port an edge id names (`ovsport:<port>`, `ovsbond:<interface>`, `ovspatch:<a>:<b>`), or null. */
export function ovsPortOfEdge(topology: Topology, edgeId: string): string | null {
  const index = ovsIndex(topology);
  if (edgeId.startsWith('ovsport:')) return edgeId.slice('ovsport:'.length);
  if (edgeId.startsWith('ovsbond:')) return index.byInterface.get(edgeId.slice('ovsbond:'.length))?.port.name ?? null;
  if (edgeId.startsWith('ovspatch:')) {
    // Names may hold ":": find the pair whose id this is rather than splitting it.
    for (const [name, { iface }] of index.byInterface) if (iface.type === 'patch' && `ovspatch:${name}:${iface.peer}` === edgeId) return name;
  }
  return null;
}
