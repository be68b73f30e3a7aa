'use client';

import { NatEditors, PutForwardBackButton, RemoveRuleButton } from '@/components/changes/nat-forms';
import type { PortForwardRule, Topology } from '@/server/topology/model';
import { firewallPlaces } from '@/server/topology/graph';
import { NAT_EDGE_LABEL, natEdgeSentences } from '@/server/topology/graph-nat';
import {
  acceptOf,
  firewallTablesInWords,
  firewallToolsInWords,
  forwardAcceptBlockedInWords,
  forwardAcceptInWords,
  masqueradeInWords,
  portForwardInWords,
  ruleSourceInWords,
  unknownOwnRulesInWords,
} from '@/server/topology/words';

/** A node id as people name the thing: "libvirt network default", "virbr0", "VM web1". */
function nodeInWords(id: string): string {
  const [type, ...rest] = id.split(':');
  const name = rest.join(':');
  return type === 'net' ? `libvirt network ${name}` : type === 'vm' ? `VM ${name}` : name;
}

/**
 * The host's NAT and port forwards in sentences, who wrote each, which tools were read, and why
 * NAT edits are refused when Switchboard's table holds rules it did not write. Nothing when the
 * firewall was not read (an older snapshot, or neither tool answered).
 */
export function FirewallSummary({ topology }: { topology: Topology }) {
  const fw = topology.firewall;
  if (!fw) return null;
  // libvirt writes one masquerade per protocol (TCP and UDP with a port range, then the rest): said once.
  const masquerades = [...new Map(fw.masquerades.map((m) => [masqueradeInWords(m), m])).entries()];
  const forwards = [...new Map(fw.portForwards.map((p) => [portForwardInWords(p), p])).entries()];
  const strayAccepts = fw.forwardAccepts.filter((a) => !fw.portForwards.some((p) => acceptOf(fw, p) === a));
  const forwarding = fw.masquerades.length > 0 || fw.portForwards.length > 0;
  return (
    <section data-testid="firewall-summary" className="space-y-1.5 border-t border-slate-100 pt-2 text-xs">
      <h4 className="font-semibold text-slate-700">NAT and port forwarding</h4>
      <p data-testid="firewall-tools" className="text-slate-500">
        Read from {firewallToolsInWords(fw.tools)}.
      </p>
      {fw.unknownOwnRules.length > 0 && (
        <p data-testid="firewall-unknown-rules" role="status" className="rounded-md border border-amber-300 bg-amber-50 px-2 py-1 text-amber-950">
          {unknownOwnRulesInWords(fw.unknownOwnRules)}
        </p>
      )}
      {forwarding && topology.host.ipForward === false && (
        <p data-testid="firewall-forwarding-off" className="rounded-md border border-amber-300 bg-amber-50 px-2 py-1 text-amber-950">
          IP forwarding is off on {topology.host.hostname}, so none of these rules carries traffic until it is turned on.
        </p>
      )}
      <h5 className="font-medium text-slate-600">Masquerading</h5>
      {masquerades.length ? (
        <ul className="list-disc space-y-0.5 pl-4">
          {masquerades.map(([sentence, m]) => (
            <li key={sentence} data-testid="firewall-rule" data-kind="masquerade" data-owner={m.owner} title={`Read from ${ruleSourceInWords(m)}`}>
              {sentence}
              <RemoveRuleButton rule={{ kind: 'masquerade', m }} />
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-slate-500">None.</p>
      )}
      <h5 className="font-medium text-slate-600">Port forwards</h5>
      {forwards.length ? (
        <ul className="list-disc space-y-0.5 pl-4">
          {forwards.map(([sentence, p]) => {
            const accept = acceptOf(fw, p);
            const blocked = accept && forwardAcceptBlockedInWords(accept);
            return (
              <li key={sentence} data-testid="firewall-rule" data-kind="port-forward" data-owner={p.owner} title={`Read from ${ruleSourceInWords(p)}`}>
                {sentence}
                {accept && <span className="block text-slate-500">{forwardAcceptInWords(accept)}.</span>}
                {blocked && <BlockedForward sentence={blocked} rule={p} />}
                <RemoveRuleButton rule={{ kind: 'port-forward', p }} />
              </li>
            );
          })}
        </ul>
      ) : (
        <p className="text-slate-500">None.</p>
      )}
      {strayAccepts.length > 0 && (
        <>
          <h5 className="font-medium text-slate-600">Accept rules without a port forward</h5>
          <ul className="list-disc space-y-0.5 pl-4">
            {strayAccepts.map((a, i) => (
              <li key={`${forwardAcceptInWords(a)} ${i}`} data-testid="firewall-accept">
                {forwardAcceptInWords(a)}.
              </li>
            ))}
          </ul>
        </>
      )}
      {fw.tables.length > 0 && <p className="text-[11px] text-slate-500">Tables read: {firewallTablesInWords(fw.tables)}.</p>}
      <NatEditors topology={topology} />
    </section>
  );
}

/**
 * What a NAT edge stands for: its ends and the masquerades behind it. `live` (the host as last
 * read) describes an edge the draft takes away.
 */
export function NatEdgeDetails({ topology, live, edgeId }: { topology: Topology; live?: Topology; edgeId: string }) {
  const find = (t: Topology) => firewallPlaces(t).nat.find((n) => n.edge.id === edgeId);
  const nat = find(topology) ?? (live ? find(live) : undefined);
  if (!nat) return <p className="text-sm text-slate-500">That NAT rule is no longer on the host.</p>;
  return (
    <div data-testid="inspector" className="space-y-3 text-xs">
      <h3 className="text-base font-semibold">
        {NAT_EDGE_LABEL}{' '}
        <span className="text-xs font-normal text-slate-500">
          from {nodeInWords(nat.edge.source)} out of {nodeInWords(nat.edge.target)}
        </span>
      </h3>
      <ul className="list-disc space-y-0.5 pl-4">
        {natEdgeSentences(nat).map((s) => (
          <li key={s} data-testid="nat-rule">
            {s}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Why a forward carries nothing though its rules are there, and (for editors) the way to put it back on top. */
function BlockedForward({ sentence, rule }: { sentence: string; rule: PortForwardRule }) {
  return (
    <div data-testid="forward-accept-blocked" role="status" className="space-y-1 rounded-md border border-red-300 bg-red-50 px-2 py-1 text-red-900">
      <p>{sentence}</p>
      <PutForwardBackButton p={rule} />
    </div>
  );
}

/** The port forwards that end at a node (the badges it carries on the graph), in sentences; nothing when none. */
export function PortForwardsAt({ topology, nodeId }: { topology: Topology; nodeId: string }) {
  const places = firewallPlaces(topology).portForwards.get(nodeId);
  if (!places?.length) return null;
  return (
    <div>
      <h4 className="mb-1 font-semibold text-slate-700">Port forwards to it</h4>
      <ul data-testid="port-forwards-at" className="list-disc space-y-0.5 pl-4">
        {places.map((p) => (
          <li key={p.badge.title}>
            {p.badge.title}
            {p.badge.blocked && <BlockedForward sentence={p.badge.blocked} rule={p.rule} />}
          </li>
        ))}
      </ul>
    </div>
  );
}
