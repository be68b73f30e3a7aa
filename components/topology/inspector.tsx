'use client';

import type { ReactNode } from 'react';
import type { Topology, VmNic } from '@/server/topology/model';
import { InterfaceEditor, MemberEdgeEditor } from '@/components/changes/edit-forms';
import { ForwardingEditor, NetworkEditor } from '@/components/changes/network-forms';
import { PendingAtStart, VmEditor } from '@/components/changes/nic-forms';
import { KIND_STYLE } from '@/components/topology/nodes';
import { nicAddresses, nicAddressInWords } from '@/server/topology/addressing';
import { bandwidthInWords, BOOT_BACKEND_WORDS, virtualportInWords, vlanTagsInWords } from '@/server/topology/words';
import { DriftActions } from '@/components/topology/boot-status';
import { TrafficControl } from '@/components/topology/traffic-control';
import { OvsBridgePorts, OvsInterfacePortEditor, OvsPortInspector, ovsPortOfEdge, OvsPortRows } from '@/components/topology/ovs-details';
import { CreateOvsBridgeForm } from '@/components/changes/ovs-forms';
import { FirewallSummary, NatEdgeDetails, PortForwardsAt } from '@/components/topology/firewall-summary';
import { VmPortForward } from '@/components/changes/nat-forms';
import { PolicingEditor, ShapingEditor } from '@/components/changes/qdisc-forms';
import { HtbEditor } from '@/components/changes/htb-forms';
import { DrawnTopology } from '@/components/changes/form-parts';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-[7.5rem_1fr] gap-2 py-0.5">
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all text-slate-900">{children}</dd>
    </div>
  );
}

const yes = (b: boolean) => (b ? 'yes' : 'no');
const vlanList = (vlans: readonly { vid: number; pvid: boolean; untagged: boolean }[]) =>
  vlans.map((v) => `${v.vid}${v.pvid ? ' PVID' : ''}${v.untagged ? ' untagged' : ''}`).join(', ');

const DRAFT_NOTE = {
  added: { text: 'New in the draft: it exists once the draft is applied.', className: 'border-sky-200 bg-sky-50 text-sky-900' },
  removed: { text: 'The draft deletes it.', className: 'border-red-200 bg-red-50 text-red-800' },
  changed: { text: 'The draft changes it; shown as it will be.', className: 'border-amber-200 bg-amber-50 text-amber-900' },
} as const;

/**
 * Details of the selected node or edge. `topology` is what the graph draws (the draft applied,
 * when there is one); `live` is the host as last read, for what the draft deletes.
 */
/**
 * What the page shows beside the graph: the selected node's details and editors, or the host's
 * card; above them, the conflicts the selection (or, with nothing selected, the host) takes part in.
 */
export function Inspector({
  conflicts,
  allConflicts,
  drift,
  ...props
}: {
  topology: Topology;
  selected: string | null;
  live?: Topology;
  conflicts?: ReadonlyMap<string, string[]>;
  allConflicts?: string[];
  /** What a reboot would change, by node id (boot drift). */
  drift?: ReadonlyMap<string, string[]>;
}) {
  const shown = props.selected ? (conflicts?.get(props.selected) ?? []) : (allConflicts ?? []);
  const atBoot = props.selected ? (drift?.get(props.selected) ?? []) : [];
  return (
    <DrawnTopology.Provider value={props.topology}>
      {atBoot.length > 0 && (
        <div data-testid="inspector-drift" className="mb-3 rounded-md border border-amber-300 bg-amber-50 p-2 text-xs text-amber-950">
          <p className="font-medium">Runtime only: a reboot changes it</p>
          <ul className="list-disc pl-4">
            {atBoot.map((sentence) => (
              <li key={sentence}>{sentence}</li>
            ))}
          </ul>
          {props.live && props.selected?.startsWith('if:') && <DriftActions topology={props.live} names={[props.selected.slice('if:'.length)]} scope="its" />}
        </div>
      )}
      {shown.length > 0 && (
        <div data-testid="inspector-conflicts" className="mb-3 rounded-md border border-red-200 bg-red-50 p-2 text-xs text-red-900">
          <p className="font-medium">{shown.length === 1 ? 'Conflict' : `${shown.length} conflicts`}</p>
          <ul className="list-disc pl-4">
            {shown.map((sentence) => (
              <li key={sentence}>{sentence}</li>
            ))}
          </ul>
        </div>
      )}
      <InspectorBody {...props} />
    </DrawnTopology.Provider>
  );
}

function InspectorBody({ topology, selected, live }: { topology: Topology; selected: string | null; live?: Topology }) {
  if (!selected) {
    return (
      <div className="space-y-3 text-xs">
        <p className="text-sm text-slate-500">Select a node or a connection to see its details.</p>
        <div data-testid="host-card" className="space-y-1 border-t border-slate-100 pt-2">
          <h3 className="text-sm font-semibold">{topology.host.hostname}</h3>
          <dl>
            {topology.host.kernel && <Row label="Kernel">{topology.host.kernel}</Row>}
            {topology.host.iproute2 && <Row label="iproute2">{topology.host.iproute2}</Row>}
            <Row label="libvirt">{topology.host.libvirtAvailable ? (topology.host.libvirtVersion ?? 'yes') : 'not answering'}</Row>
            {topology.ovs && (
              <Row label="Open vSwitch">
                {topology.ovs.version ?? 'yes'}, {topology.ovs.bridges.length} bridge{topology.ovs.bridges.length === 1 ? '' : 's'}
              </Row>
            )}
            <Row label="Boot configuration">
              <span data-testid="boot-backend" data-backend={topology.host.bootConfig?.backend ?? 'unknown'} title={topology.host.bootConfig?.reason}>
                {topology.host.bootConfig ? BOOT_BACKEND_WORDS[topology.host.bootConfig.backend] : 'not read yet'}
              </span>
              {topology.host.bootConfig && topology.host.bootConfig.files.length > 0 && (
                <span className="block text-[11px] text-slate-500">{topology.host.bootConfig.files.map((f) => f.path).join(', ')}</span>
              )}
            </Row>
          </dl>
          <CreateOvsBridgeForm topology={topology} />
          <ForwardingEditor topology={topology} />
        </div>
        <FirewallSummary topology={topology} />
      </div>
    );
  }
  const [type, ...rest] = selected.split(':');
  const name = rest.join(':');
  const base = live ?? topology;

  if (type === 'ovsport' || type === 'ovsbond' || type === 'ovspatch') {
    // A port the draft takes away is still described, from the host as last read.
    const source = ovsPortOfEdge(topology, selected) ? topology : base;
    const port = ovsPortOfEdge(source, selected);
    return port ? <OvsPortInspector topology={source} name={port} /> : <p className="text-sm text-slate-500">That Open vSwitch port is gone.</p>;
  }
  if (type === 'nat') return <NatEdgeDetails topology={topology} live={base} edgeId={selected} />;
  if (type === 'ovs' || type === 'ovsif') return <OvsPortInspector topology={topology} name={name} interface={type === 'ovsif'} />;
  if (type === 'member') {
    const now = topology.interfaces.find((x) => x.name === name)?.master ?? null;
    const before = base.interfaces.find((x) => x.name === name)?.master ?? null;
    const master = now ?? before;
    if (!master) return <p className="text-sm text-slate-500">{name} is not a port of anything any more.</p>;
    return <MemberEdgeEditor dev={name} master={master} pending={now === before ? undefined : now ? 'added' : 'removed'} />;
  }
  if (type !== 'if' && type !== 'vm' && type !== 'net') {
    return <p className="text-sm text-slate-500">Select a node to see its details; of connections, only bridge and bond ports can be edited.</p>;
  }

  if (type === 'if') {
    const drawn = topology.interfaces.find((x) => x.name === name);
    const before = base.interfaces.find((x) => x.name === name);
    const i = drawn ?? before;
    const ovsBridge = topology.ovs?.bridges.find((b) => b.name === name);
    // An OVS bridge the kernel does not have (ovs-vswitchd is not running): the database's view alone.
    if (!i && ovsBridge) {
      return (
        <div data-testid="inspector" className="space-y-3 text-xs">
          <h3 className="text-base font-semibold">
            {name} <span className="text-xs font-normal text-slate-500">Open vSwitch bridge</span>
          </h3>
          <p className="text-slate-500">In Open vSwitch&apos;s database but not in the kernel: ovs-vswitchd has not set it up.</p>
          <OvsBridgePorts bridge={ovsBridge} topology={topology} />
        </div>
      );
    }
    if (!i) return <p className="text-sm text-slate-500">{name} is no longer on the host.</p>;
    const pending = !before ? 'added' : !drawn ? 'removed' : JSON.stringify(drawn) !== JSON.stringify(before) ? 'changed' : undefined;
    const ports = topology.interfaces.filter((p) => p.master === i.name).map((p) => p.name);
    const routes = topology.routes.filter((r) => r.dev === i.name);
    return (
      <div data-testid="inspector" className="space-y-3 text-xs">
        <h3 className="text-base font-semibold">
          {i.name} <span className="text-xs font-normal text-slate-500">{ovsBridge ? KIND_STYLE['ovs-bridge'].label : KIND_STYLE[i.kind].label}</span>
        </h3>
        {pending && (
          <p data-pending={pending} className={`rounded-md border px-2 py-1 ${DRAFT_NOTE[pending].className}`}>
            {DRAFT_NOTE[pending].text}
          </p>
        )}
        <InterfaceEditor key={i.name} iface={i} topology={topology} pending={pending} />
        <dl>
          <Row label="Index">{pending === 'added' ? '—' : i.index}</Row>
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
          {i.tunnel && (
            <Row label="Tunnel">
              {i.tunnel.local ?? 'any'} → {i.tunnel.remote ?? 'any'}
            </Row>
          )}
          {i.macvlanMode && <Row label="Mode">{i.macvlanMode}</Row>}
          {i.bridge && (
            <>
              <Row label="STP">{yes(i.bridge.stp)}</Row>
              <Row label="VLAN filtering">{yes(i.bridge.vlanFiltering)}</Row>
              {i.bridge.forwardDelayCs !== null && <Row label="Forward delay">{i.bridge.forwardDelayCs / 100} s</Row>}
              {(i.bridge.vlans ?? []).length > 0 && <Row label="Own VLANs">{vlanList(i.bridge.vlans)}</Row>}
              <Row label="Ports">{ports.length ? ports.join(', ') : 'none'}</Row>
            </>
          )}
          {i.bond && <Row label="Bond mode">{i.bond.mode}</Row>}
          {i.bridgePort && (
            <>
              <Row label="Port state">{i.bridgePort.state ?? '—'}</Row>
              {i.bridgePort.vlans.length > 0 && (
                <Row label="Port VLANs">{vlanList(i.bridgePort.vlans)}</Row>
              )}
            </>
          )}
          {i.owner && <Row label="Owned by">{`VM ${i.owner.vm} (${i.owner.mac})`}</Row>}
          <OvsPortRows topology={topology} name={i.name} />
          <Row label="Addresses">
            {i.addresses.length ? i.addresses.map((a) => `${a.address}/${a.prefixLength} (${a.scope})`).join(', ') : 'none'}
          </Row>
          {routes.length > 0 && <Row label="Routes">{routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}`).join(', ')}</Row>}
        </dl>
        <OvsInterfacePortEditor topology={topology} name={i.name} />
        {ovsBridge && <OvsBridgePorts bridge={ovsBridge} topology={topology} />}
        <PortForwardsAt topology={topology} nodeId={selected} />
        <TrafficControl topology={topology} dev={i.name} />
        <ShapingEditor topology={topology} dev={i.name} />
        <PolicingEditor topology={topology} dev={i.name} />
        <HtbEditor topology={topology} dev={i.name} />
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
              <th className="pr-2 font-medium">Device</th>
              <th className="font-medium">Addresses</th>
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
                <td className="pr-2">{n.target ?? '—'}</td>
                <td data-testid="nic-addresses">{nicAddresses(topology, n).map(nicAddressInWords).join('; ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {vm.nics.some(nicDetails) && (
          <dl data-testid="nic-details">
            {vm.nics.map((n, idx) => {
              const details = nicDetails(n);
              return details ? (
                <Row key={n.mac ?? idx} label={n.mac ?? `NIC ${idx + 1}`}>
                  {details}
                </Row>
              ) : null;
            })}
          </dl>
        )}
        <PortForwardsAt topology={topology} nodeId={selected} />
        <VmPortForward topology={topology} vm={vm.name} />
        <PendingAtStart vm={vm} />
        <VmEditor key={`${vm.name}|${vm.nics.map((n) => `${n.mac}${n.source}${n.linkUp}`).join()}`} vm={vm} topology={topology} />
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
        {net.mtu !== null && net.mtu !== undefined && <Row label="MTU">{net.mtu}</Row>}
        {(net.forwardDevices ?? []).length > 0 && <Row label="Devices">{net.forwardDevices.join(', ')}</Row>}
        {net.vlan && <Row label="VLAN">{vlanTagsInWords(net.vlan)}</Row>}
        {net.virtualport && <Row label="Virtual port">{virtualportInWords(net.virtualport)}</Row>}
        {net.bandwidth && <Row label="Bandwidth">{bandwidthInWords(net.bandwidth)}</Row>}
        {(net.portgroups ?? []).map((pg) => (
          <Row key={pg.name} label={`Portgroup ${pg.name}`}>
            {[
              pg.isDefault && 'default',
              pg.vlan && vlanTagsInWords(pg.vlan),
              pg.virtualport && virtualportInWords(pg.virtualport),
              pg.bandwidth && bandwidthInWords(pg.bandwidth),
            ]
              .filter(Boolean)
              .join('; ') || 'no settings'}
          </Row>
        ))}
        <Row label="Active">{yes(net.active)}</Row>
        <Row label="Autostart">{yes(net.autostart)}</Row>
        <Row label="Persistent">{yes(net.persistent)}</Row>
        <Row label="UUID">{net.uuid}</Row>
        {net.ips.map((ip) => (
          <Row key={ip.address} label={ip.family === 'ipv6' ? 'IPv6' : 'IPv4'}>
            {ip.address}/{ip.prefixLength}
            {ip.dhcpRanges.map((r) => `; DHCP ${r.start}–${r.end}`).join('')}
            {ip.staticHosts.map((h) => `; ${h.name ?? h.mac ?? (h.id ? `DUID ${h.id}` : '?')} → ${h.ip}`).join('')}
          </Row>
        ))}
        {(net.leases ?? []).map((l) => (
          <Row key={`${l.mac}-${l.ip}`} label="Lease">
            {l.ip}/{l.prefixLength} → {l.mac}
            {l.hostname ? ` (${l.hostname})` : ''}, until {l.expires}
          </Row>
        ))}
      </dl>
      <PortForwardsAt topology={topology} nodeId={selected} />
      <NetworkEditor key={`${net.name}|${net.active}|${net.autostart}|${JSON.stringify(net.ips)}`} network={net} topology={topology} />
    </div>
  );
}

/** A VM NIC's settings beyond its attachment, in words ("MTU 9000; trunk 42, 48; 4 queues"). */
function nicDetails(n: VmNic): string {
  return [
    n.portgroup && `portgroup ${n.portgroup}`,
    n.mtu && `MTU ${n.mtu}`,
    n.vlan && vlanTagsInWords(n.vlan),
    n.virtualport && `virtual port ${virtualportInWords(n.virtualport)}`,
    n.queues && `${n.queues} queues`,
    n.linkUp === false && 'link down',
    n.bandwidth && bandwidthInWords(n.bandwidth),
  ]
    .filter(Boolean)
    .join('; ');
}
