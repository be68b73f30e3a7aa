// Field paths of refused input ("operations.0.address") said the way people name the field
// ("address"). Shared by the error formatter and the forms, so no internal path reaches a person.

const WORDS: Record<string, string> = {
  address: 'address',
  dev: 'interface',
  name: 'name',
  parent: 'parent interface',
  peer: 'peer name',
  master: 'bridge or bond',
  members: 'members',
  mtu: 'MTU',
  mac: 'MAC address',
  vlanId: 'VLAN id',
  vlans: 'VLANs',
  vid: 'VLAN id',
  port: 'port',
  username: 'username',
  password: 'password',
  newPassword: 'new password',
  currentPassword: 'current password',
  labels: 'labels',
  positions: 'positions',
  reason: 'reason',
  hostId: 'host',
  confirmedFingerprint: 'fingerprint',
  role: 'role',
  from: 'start date',
  to: 'end date',
  token: 'setup link',
  qdisc: 'queueing discipline',
  delayMs: 'delay',
  jitterMs: 'jitter',
  lossPercent: 'loss',
  duplicatePercent: 'duplication',
  corruptPercent: 'corruption',
  reorderPercent: 'reordering',
  rateKbit: 'rate',
  burstBytes: 'burst',
  latencyMs: 'latency',
  defaultClass: 'default class',
  limitPackets: 'limit',
  bandwidthKbit: 'bandwidth',
  diffserv: 'DSCP treatment (diffserv)',
  rttMs: 'round trip',
  wash: 'DSCP clearing',
  // Open vSwitch ports and tunnels.
  tag: 'VLAN tag',
  trunks: 'trunk VLANs',
  remote: "tunnel's far end",
  key: 'tunnel key',
  dstPort: 'UDP port',
  bridge: 'bridge',
  internal: 'internal port',
  // Port forwards and masquerades (issue 13's API fields).
  protocol: 'protocol',
  hostPort: 'host port',
  toAddress: 'address it forwards to',
  toPort: 'port it forwards to',
  inInterface: 'incoming interface',
  outInterface: 'outgoing interface',
  source: 'source',
  // HTB classes and filters.
  classid: 'class',
  ceilKbit: 'ceiling rate',
  prio: 'priority',
  pref: 'filter preference',
  leaf: 'qdisc under the class',
  // libvirt rates.
  bandwidth: 'bandwidth',
  inbound: 'inbound limit',
  outbound: 'outbound limit',
  average: 'average rate',
  peak: 'peak rate',
  floor: 'guaranteed rate',
  vlanTag: 'VLAN tag',
};

/** Names that mean something else inside a tc filter's match: the traffic it steers. */
const MATCH_WORDS: Record<string, string> = {
  src: 'source address',
  dst: 'destination address',
  ipProto: 'IP protocol',
  srcPort: 'source port',
  dstPort: 'destination port',
};

/** "operations.0.address" -> "address"; an unknown name stays as it is; no path -> "input". */
export function fieldInWords(path: string | readonly PropertyKey[]): string {
  const parts = typeof path === 'string' ? path.split('.') : path.map(String);
  const last = [...parts].reverse().find((p) => p && p !== '_' && !/^\d+$/.test(p));
  if (!last) return 'input';
  if (parts.includes('match') && MATCH_WORDS[last]) return MATCH_WORDS[last];
  return WORDS[last] ?? last;
}
