// What ifupdown or ifupdown2 would make of each interface at boot, read back from
// /etc/network/interfaces and the files it sources: the BootIntent the drift check compares
// with the live topology. Reads the options both write (hyphen or underscore: `bridge-ports`,
// `bridge_ports`), in the forms admins write them (`address` with `netmask`, or in CIDR). Pure.
import { INTERFACES_FILE, sourcesDirectory } from './persist';
import { parseInterfacesFile, type Block, type IfaceBlock } from './interfaces-file';
import { bootInterface, type BootInterface, type BootIntent } from './intent';

/** The directory Debian's default `source` line reads. */
const SOURCED_DIRECTORY = '/etc/network/interfaces.d/';

/** `255.255.255.0` → 24; a plain number is already a prefix length. */
function prefixOf(netmask: string): number | null {
  if (/^\d+$/.test(netmask)) return Number(netmask);
  const octets = netmask.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
  return octets.reduce((bits, o) => bits + o.toString(2).replace(/0/g, '').length, 0);
}

const optionValues = (b: IfaceBlock, ...keys: string[]) =>
  b.options.filter((o) => keys.includes(o.key.replace(/_/g, '-'))).map((o) => o.value.trim());

/** Names in a ports list (`bridge-ports eth0 eth1`, `none`, ifupdown2's `regex`/`glob` forms left out). */
const portNames = (values: string[]) =>
  values.flatMap((v) => (/^(regex|glob)\s/.test(v) ? [] : v.split(/\s+/))).filter((n) => n && n !== 'none');

/** The static addresses one stanza gives, as `address/prefix`. */
function addressesOf(b: IfaceBlock): string[] {
  const netmask = optionValues(b, 'netmask')[0];
  return optionValues(b, 'address')
    .flatMap((v) => v.split(/\s+/))
    .flatMap((a) => {
      if (a.includes('/')) return [a];
      const prefix = netmask ? prefixOf(netmask) : b.family === 'inet6' ? 64 : 32;
      return prefix === null ? [] : [`${a}/${prefix}`];
    });
}

/** What a stanza creates: a bridge or bond by its options, a VLAN by its parent or dotted name, a dummy or veth by its link type or hook. */
function createdBy(b: IfaceBlock): BootInterface['creates'] {
  const keys = new Set(b.options.map((o) => o.key.replace(/_/g, '-')));
  if (keys.has('bridge-ports')) return 'bridge';
  if (keys.has('bond-slaves') || keys.has('bond-mode')) return 'bond';
  if (keys.has('vlan-raw-device') || keys.has('vlan-id') || /^[^.]+\.\d+$/.test(b.name) || /^vlan\d+$/.test(b.name)) return 'vlan';
  const linkType = optionValues(b, 'link-type')[0];
  if (linkType === 'dummy' || linkType === 'veth') return linkType;
  const hooks = optionValues(b, 'pre-up', 'up');
  if (hooks.some((h) => new RegExp(`^ip link add ${b.name} type dummy\\b`).test(h))) return 'dummy';
  if (hooks.some((h) => new RegExp(`^ip link add ${b.name} type veth\\b`).test(h))) return 'veth';
  return null;
}

/**
 * The files in the order ifupdown reads them: the main file, then the sourced directory's files
 * in name order when the main file sources it (Debian's default).
 */
function filesInReadingOrder(files: readonly { path: string; content: string }[]): { path: string; blocks: Block[] }[] {
  const main = files.find((f) => f.path === INTERFACES_FILE);
  if (!main) return [];
  const mainBlocks = parseInterfacesFile(main.content);
  const sourced = sourcesDirectory(mainBlocks) ? files.filter((f) => f.path.startsWith(SOURCED_DIRECTORY)).sort((a, b) => a.path.localeCompare(b.path)) : [];
  return [{ path: main.path, blocks: mainBlocks }, ...sourced.map((f) => ({ path: f.path, blocks: parseInterfacesFile(f.content) }))];
}

export function ifupdownIntent(files: readonly { path: string; content: string }[]): BootIntent {
  const intent: BootIntent = new Map();
  const up = new Set<string>();
  const mastersOf = new Map<string, string>();
  const entry = (name: string, path: string) => {
    if (!intent.has(name)) intent.set(name, bootInterface(name, path));
    return intent.get(name)!;
  };
  for (const { path, blocks } of filesInReadingOrder(files)) {
    for (const b of blocks) {
      if (b.type === 'auto') b.names.forEach((n) => up.add(n));
      if (b.type !== 'iface' || b.name === 'lo' || (b.family !== 'inet' && b.family !== 'inet6')) continue;
      const i = entry(b.name, path);
      if (b.family === 'inet' && b.method === 'dhcp') i.dhcp = true;
      if (b.method === 'static') i.addresses.push(...addressesOf(b));
      i.creates ??= createdBy(b);
      const mtu = optionValues(b, 'mtu')[0];
      if (mtu && /^\d+$/.test(mtu)) i.mtu = Number(mtu);
      for (const port of portNames(optionValues(b, 'bridge-ports', 'bond-slaves'))) mastersOf.set(port, b.name);
      const bondMaster = optionValues(b, 'bond-master')[0];
      if (bondMaster) mastersOf.set(b.name, bondMaster);
    }
  }
  for (const [port, master] of mastersOf) {
    // A port named only in its master's list is still brought up by it at boot.
    const i = intent.get(port) ?? entry(port, intent.get(master)?.path ?? INTERFACES_FILE);
    i.master = master;
  }
  for (const i of intent.values()) {
    i.up = up.has(i.name) || (i.master !== null && up.has(i.master));
    i.addresses = [...new Set(i.addresses)].sort();
  }
  return intent;
}
