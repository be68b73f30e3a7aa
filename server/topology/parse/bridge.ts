// `bridge -j vlan show`: VLAN membership of bridge ports and of bridges themselves (empty where
// VLAN filtering is off).
//
// iproute2 before 4.19 printed an object keyed by interface name, `{"eth1":[{"vlan":1,...}]}`;
// since then an array of `{"ifname":"eth1","vlans":[...]}`. Both carry the same data.
import { z } from 'zod';
import type { BridgeVlan } from '../model';
import { parseJsonSection } from './json';

const ZVlanEntry = z.looseObject({
  vlan: z.number().int(),
  vlanEnd: z.number().int().optional(),
  flags: z.array(z.string()).default([]),
});
const ZBridgeVlans = z.union([
  z.array(z.looseObject({ ifname: z.string(), vlans: z.array(ZVlanEntry).default([]) })),
  z.record(z.string(), z.array(ZVlanEntry)),
]);

export function parseBridgeVlans(body: string): Map<string, BridgeVlan[]> {
  const out = new Map<string, BridgeVlan[]>();
  if (!body.trim()) return out;
  const parsed = parseJsonSection('bridge_vlan', body, ZBridgeVlans);
  const ports = Array.isArray(parsed) ? parsed : Object.entries(parsed).map(([ifname, vlans]) => ({ ifname, vlans }));
  for (const port of ports) {
    const vlans: BridgeVlan[] = [];
    for (const v of port.vlans) {
      // A range (vlan..vlanEnd) is listed as its members so every VLAN is addressable.
      for (let vid = v.vlan; vid <= (v.vlanEnd ?? v.vlan); vid++) {
        vlans.push({ vid, pvid: v.flags.includes('PVID'), untagged: v.flags.includes('Egress Untagged') });
      }
    }
    out.set(port.ifname, vlans);
  }
  return out;
}
