// `bridge -j vlan show`: VLAN membership of bridge ports (empty where VLAN filtering is off).
import { z } from 'zod';
import type { BridgeVlan } from '../model';
import { parseJsonSection } from './json';

const ZVlanEntry = z.looseObject({
  vlan: z.number().int(),
  vlanEnd: z.number().int().optional(),
  flags: z.array(z.string()).default([]),
});
const ZBridgeVlans = z.array(z.looseObject({ ifname: z.string(), vlans: z.array(ZVlanEntry).default([]) }));

export function parseBridgeVlans(body: string): Map<string, BridgeVlan[]> {
  const out = new Map<string, BridgeVlan[]>();
  if (!body.trim()) return out;
  for (const port of parseJsonSection('bridge_vlan', body, ZBridgeVlans)) {
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
