'use client';

import type { ReactNode } from 'react';
import type { Topology } from '@/server/topology/model';
import { KIND_STYLE } from '@/components/topology/nodes';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_1fr] gap-2 py-0.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all text-slate-900">{children}</dd>
    </div>
  );
}

const yes = (b: boolean) => (b ? 'yes' : 'no');

export function Inspector({ topology, selected }: { topology: Topology; selected: string | null }) {
  if (!selected) {
    return <p className="text-sm text-slate-500">Select a node to see its details.</p>;
  }
  const [type, ...rest] = selected.split(':');
  const name = rest.join(':');

  if (type === 'if') {
    const i = topology.interfaces.find((x) => x.name === name);
    if (!i) return <p className="text-sm text-slate-500">{name} is no longer on the host.</p>;
    const qdiscs = topology.qdiscs.filter((q) => q.dev === i.name);
    const classes = topology.classes.filter((c) => c.dev === i.name);
    const ports = topology.interfaces.filter((p) => p.master === i.name).map((p) => p.name);
    const routes = topology.routes.filter((r) => r.dev === i.name);
    return (
      <div data-testid="inspector" className="space-y-3 text-xs">
        <h3 className="text-base font-semibold">
          {i.name} <span className="text-xs font-normal text-slate-500">{KIND_STYLE[i.kind].label}</span>
        </h3>
        <dl>
          <Row label="Index">{i.index}</Row>
          <Row label="Kind">{i.rawKind ?? i.kind}</Row>
          <Row label="State">
            {i.operstate} (admin {i.adminUp ? 'up' : 'down'}, carrier {yes(i.carrier)})
          </Row>
          <Row label="MAC">{i.mac ?? '—'}</Row>
          <Row label="MTU">{i.mtu}</Row>
          {i.master && <Row label="Master">{i.master}</Row>}
          {i.parent && <Row label="Lower device">{i.parent}</Row>}
          {i.peer && <Row label="veth peer">{i.peer}</Row>}
          {i.peerIfindexElsewhere !== null && <Row label="veth peer">ifindex {i.peerIfindexElsewhere} in another namespace</Row>}
          {i.vlan && <Row label="VLAN">{`${i.vlan.id} (${i.vlan.protocol})`}</Row>}
          {i.vxlan && (
            <Row label="VXLAN">
              VNI {i.vxlan.vni}
              {i.vxlan.local && `, local ${i.vxlan.local}`}
              {i.vxlan.group && `, group ${i.vxlan.group}`}
              {i.vxlan.remote && `, remote ${i.vxlan.remote}`}
              {i.vxlan.port !== null && `, port ${i.vxlan.port}`}
            </Row>
          )}
          {i.macvlanMode && <Row label="Mode">{i.macvlanMode}</Row>}
          {i.bridge && (
            <>
              <Row label="STP">{yes(i.bridge.stp)}</Row>
              <Row label="VLAN filtering">{yes(i.bridge.vlanFiltering)}</Row>
              {i.bridge.forwardDelayCs !== null && <Row label="Forward delay">{i.bridge.forwardDelayCs / 100} s</Row>}
              <Row label="Ports">{ports.length ? ports.join(', ') : 'none'}</Row>
            </>
          )}
          {i.bond && <Row label="Bond mode">{i.bond.mode}</Row>}
          {i.bridgePort && (
            <>
              <Row label="Port state">{i.bridgePort.state ?? '—'}</Row>
              {i.bridgePort.vlans.length > 0 && (
                <Row label="Port VLANs">
                  {i.bridgePort.vlans.map((v) => `${v.vid}${v.pvid ? ' PVID' : ''}${v.untagged ? ' untagged' : ''}`).join(', ')}
                </Row>
              )}
            </>
          )}
          {i.owner && <Row label="Owned by">{`VM ${i.owner.vm} (${i.owner.mac})`}</Row>}
          <Row label="Addresses">
            {i.addresses.length ? i.addresses.map((a) => `${a.address}/${a.prefixLength} (${a.scope})`).join(', ') : 'none'}
          </Row>
          {routes.length > 0 && <Row label="Routes">{routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}`).join(', ')}</Row>}
        </dl>
        {qdiscs.length > 0 && (
          <div>
            <h4 className="mb-1 font-semibold text-slate-700">Queueing (tc)</h4>
            <ul className="space-y-0.5 font-mono text-[11px]">
              {qdiscs.map((q) => (
                <li key={`${q.handle}${q.parent}`}>
                  qdisc {q.kind} {q.handle} {q.root ? 'root' : `parent ${q.parent}`}{' '}
                  {Object.entries(q.options)
                    .filter(([, v]) => typeof v !== 'object')
                    .map(([k, v]) => `${k} ${String(v)}`)
                    .join(' ')}
                </li>
              ))}
              {classes.map((c) => (
                <li key={c.classid}>
                  class {c.kind} {c.classid} {c.parent ? `parent ${c.parent}` : 'root'} {c.rate && `rate ${c.rate}`} {c.ceil && `ceil ${c.ceil}`}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    );
  }

  if (type === 'vm') {
    const vm = topology.vms.find((v) => v.name === name);
    if (!vm) return <p className="text-sm text-slate-500">{name} is no longer defined.</p>;
    return (
      <div data-testid="inspector" className="space-y-3 text-xs">
        <h3 className="text-base font-semibold">
          {vm.name} <span className="text-xs font-normal text-slate-500">Virtual machine</span>
        </h3>
        <dl>
          <Row label="State">{vm.state}</Row>
          <Row label="UUID">{vm.uuid}</Row>
        </dl>
        <table className="w-full text-left">
          <thead className="text-slate-500">
            <tr>
              <th className="pr-2 font-medium">MAC</th>
              <th className="pr-2 font-medium">Type</th>
              <th className="pr-2 font-medium">Source</th>
              <th className="font-medium">Device</th>
            </tr>
          </thead>
          <tbody>
            {vm.nics.map((n, idx) => (
              <tr key={n.mac ?? idx} className="border-t border-slate-100">
                <td className="pr-2 font-mono">{n.mac}</td>
                <td className="pr-2">
                  {n.type}
                  {n.model ? ` (${n.model})` : ''}
                </td>
                <td className="pr-2">
                  {n.source}
                  {n.directMode ? ` (${n.directMode})` : n.bridge && n.bridge !== n.source ? ` → ${n.bridge}` : ''}
                </td>
                <td>{n.target ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  const net = topology.networks.find((n) => n.name === name);
  if (!net) return <p className="text-sm text-slate-500">{name} is no longer defined.</p>;
  return (
    <div data-testid="inspector" className="space-y-3 text-xs">
      <h3 className="text-base font-semibold">
        {net.name} <span className="text-xs font-normal text-slate-500">libvirt network</span>
      </h3>
      <dl>
        <Row label="Mode">{net.mode}</Row>
        <Row label="Bridge">{net.bridge ?? '—'}</Row>
        <Row label="Active">{yes(net.active)}</Row>
        <Row label="Autostart">{yes(net.autostart)}</Row>
        <Row label="Persistent">{yes(net.persistent)}</Row>
        <Row label="UUID">{net.uuid}</Row>
        {net.ips.map((ip) => (
          <Row key={ip.address} label={ip.family === 'ipv6' ? 'IPv6' : 'IPv4'}>
            {ip.address}/{ip.prefixLength}
            {ip.dhcpRanges.map((r) => `; DHCP ${r.start}–${r.end}`).join('')}
            {ip.staticHosts.map((h) => `; ${h.name ?? h.mac} → ${h.ip}`).join('')}
          </Row>
        ))}
      </dl>
    </div>
  );
}
