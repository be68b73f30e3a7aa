// What the VM NIC kinds (plan/kinds/*-nic*) share: their fields, finding a VM and its NIC, the
// `<interface>` documents (built, or libvirt's own with one part changed), and where a change
// goes (the running VM, its kept definition, or both). Pure.
import { z } from 'zod';
import type { Topology, Vm, VmNic } from '@/server/topology/model';
import { cmdWithDocuments, virsh, type Argv, type PlannedCommand } from './commands';
import { xmlDocument } from './documents';
import { ZIfName, ZMac, ZMtu } from './fields';
import type { Checks } from './kind';
import { bandwidthElement, hasRates, needLibvirt, networkNamed, ZNetworkName, ZRate, ZVmName } from './libvirt';

// `<bandwidth>` is shared with the network kinds and lives in libvirt.ts; these two stay importable from here.
export { bandwidthFields, modelBandwidth } from './libvirt';

export const NIC_MODELS = ['virtio', 'e1000e', 'rtl8139'] as const;
export const DIRECT_MODES = ['bridge', 'vepa', 'private', 'passthrough'] as const;

/** Where a NIC is plugged: a libvirt network, a bridge, or a host device by macvtap. */
export const nicTargetFields = {
  network: ZNetworkName.optional(),
  bridge: ZIfName.optional(),
  direct: z.object({ dev: ZIfName, mode: z.enum(DIRECT_MODES).default('bridge') }).optional(),
};
export type NicTarget = { network?: string | undefined; bridge?: string | undefined; direct?: { dev: string; mode: (typeof DIRECT_MODES)[number] } | undefined };

/** Inbound only: the rate the NIC is guaranteed on a network that shares its uplink (libvirt's floor). */
const ZInboundRate = ZRate.extend({ floor: z.number().int().min(1).max(2 ** 32 - 1).optional() });
export const ZNicBandwidth = z.object({ inbound: ZInboundRate.optional(), outbound: ZRate.optional() });
export type NicBandwidth = z.output<typeof ZNicBandwidth>;

export const nicFields = {
  vm: ZVmName,
  ...nicTargetFields,
  model: z.enum(NIC_MODELS).default('virtio'),
  mac: ZMac.optional(),
  linkUp: z.boolean().default(true),
  mtu: ZMtu.optional(),
  queues: z.number().int().min(2).max(256).optional(),
  bandwidth: ZNicBandwidth.optional(),
  /** An access VLAN on an Open vSwitch bridge (libvirt's `<vlan><tag id=…/>`); OVS tags the VM's port with it. */
  vlanTag: z.number().int().min(1, 'A VLAN tag is a number from 1 to 4094.').max(4094, 'A VLAN tag is a number from 1 to 4094.').optional(),
};

/** Whether `name` is an Open vSwitch bridge: a VM's NIC joins it through a `<virtualport type='openvswitch'/>`. */
export const isOvsBridge = (t: Topology, name: string | undefined): boolean => name !== undefined && Boolean(t.ovs?.bridges.some((b) => b.name === name));

export const vmNamed = (t: Topology, name: string): Vm | undefined => t.vms.find((v) => v.name === name);
/** A VM whose QEMU process exists: changes reach it live. */
export const isRunning = (vm: Vm): boolean => vm.state === 'running' || vm.state === 'paused';
/** A NIC can be plugged into (or out of) the VM while it runs. */
export const plugsLive = (vm: Vm): boolean => isRunning(vm) && vm.hotplug !== false;

/**
 * Unplugging needs the guest's consent (ACPI eject): a paused guest gives it only once it runs
 * again, so its running NIC stays until then. Null when the NIC goes now.
 */
export function unplugDeferred(vm: Vm | undefined): string | null {
  if (vm && plugsLive(vm) && vm.state === 'paused') return `${vm.name} is paused: its kept definition changes now, and the guest lets go of the NIC when it runs again`;
  return plugDeferred(vm);
}
/** The running NIC goes away as the command returns (not deferred to the guest or a restart). */
export const unplugsNow = (vm: Vm): boolean => plugsLive(vm) && vm.state !== 'paused';

/** Why plugging a NIC in or out waits for the VM's next start, or null when it happens now. */
export function plugDeferred(vm: Vm | undefined): string | null {
  if (!vm) return null;
  if (!isRunning(vm)) return `applies when ${vm.name} next starts (it is ${vm.state})`;
  if (vm.hotplug === false) return `applies when ${vm.name} next starts: its machine cannot plug NICs in or out while it runs (no ACPI)`;
  return null;
}

export const sameMac = (a: string | null, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

export function needVm(c: Checks, name: string): Vm | undefined {
  if (!needLibvirt(c)) return undefined;
  const vm = vmNamed(c.t, name);
  if (!vm) c.errors.push(`There is no VM ${name} on this host.`);
  else if (vm.persistent === false) c.errors.push(`VM ${name} is transient (libvirt keeps no definition of it); Switchboard changes only VMs libvirt keeps.`);
  else if (vm.persistent === null || vm.configNics === null) c.errors.push(`VM ${name}'s kept definition could not be read, so an exact undo cannot be planned; refresh the host.`);
  return vm;
}

/** Exactly one place to plug into, and it exists (a network that runs, if the VM runs). */
export function checkTarget(c: Checks, vm: Vm | undefined, target: NicTarget): void {
  const given = [target.network, target.bridge, target.direct].filter((x) => x !== undefined).length;
  if (given !== 1) {
    c.errors.push('A NIC goes on exactly one of: a network, a bridge, or a host device (macvtap).');
    return;
  }
  if (target.network) {
    const n = networkNamed(c.t, target.network);
    if (!n) c.errors.push(`There is no libvirt network ${target.network} on this host (or an earlier operation removes it).`);
    else if (vm && isRunning(vm) && !n.active) c.errors.push(`Network ${target.network} is stopped; start it first, or ${vm.name} cannot use it while it runs.`);
  }
  if (target.bridge) {
    const br = c.need(target.bridge, 'bridge');
    if (br && br.kind !== 'bridge' && br.rawKind !== 'openvswitch') c.errors.push(`${target.bridge} is a ${br.kind}, not a bridge.`);
  }
  if (target.direct) {
    const dev = c.need(target.direct.dev, 'device');
    if (dev && (dev.kind === 'bridge' || dev.kind === 'loopback' || dev.owner)) c.errors.push(`${target.direct.dev} cannot carry a macvtap: it is a ${dev.owner ? `VM's ${dev.kind}` : dev.kind}.`);
  }
}

export const targetWords = (t: NicTarget): string => (t.network ? `network ${t.network}` : t.bridge ? `bridge ${t.bridge}` : `${t.direct!.dev} (macvtap ${t.direct!.mode})`);

const sourceElement = (t: NicTarget) => (t.network ? { '@network': t.network } : t.bridge ? { '@bridge': t.bridge } : { '@dev': t.direct!.dev, '@mode': t.direct!.mode });
export const typeOf = (t: NicTarget): 'network' | 'bridge' | 'direct' => (t.network ? 'network' : t.bridge ? 'bridge' : 'direct');

/** The element with its `<bandwidth>` replaced by `b` (or removed when `b` sets no rate). */
export function withBandwidth(xml: string, b: NicBandwidth): string {
  const clean = reattachable(xml).replace(/\n?[ \t]*<bandwidth\s*\/>|\n?[ \t]*<bandwidth>[\s\S]*?<\/bandwidth>/, '');
  if (!hasRates(b)) return clean;
  const indent = /\n([ \t]+)</.exec(clean)?.[1] ?? '  ';
  const element = xmlDocument('bandwidth', bandwidthElement(b)).trim().replace(/\n/g, `\n${indent}`);
  return clean.replace(/(\n?)([ \t]*)<\/interface>\s*$/, (_m, nl: string, closing: string) => `${nl || '\n'}${indent}${element}\n${closing}</interface>`);
}

/** A new NIC's `<interface>` element. */
/**
 * A NIC's libvirt element. `ovs`: its bridge is an Open vSwitch bridge, which libvirt joins
 * through ovs-vsctl only when told so (without it libvirt tries to enslave the tap as on a Linux
 * bridge, and the VM fails to start).
 */
export function nicDocument(
  n: NicTarget & { mac: string; model: string; linkUp: boolean; mtu?: number | undefined; queues?: number | undefined; bandwidth?: z.output<typeof ZNicBandwidth> | undefined; vlanTag?: number | undefined; ovs?: boolean },
): string {
  return xmlDocument('interface', {
    '@type': typeOf(n),
    mac: { '@address': n.mac },
    source: sourceElement(n),
    model: { '@type': n.model },
    ...(n.queues ? { driver: { '@name': 'vhost', '@queues': n.queues } } : {}),
    ...(n.mtu ? { mtu: { '@size': n.mtu } } : {}),
    ...(hasRates(n.bandwidth) ? { bandwidth: bandwidthElement(n.bandwidth) } : {}),
    ...(n.vlanTag ? { vlan: { tag: { '@id': n.vlanTag } } } : {}),
    ...(n.ovs ? { virtualport: { '@type': 'openvswitch' } } : {}),
    ...(n.linkUp ? {} : { link: { '@state': 'down' } }),
  });
}

/**
 * libvirt's element without what only a running VM has (its tap's name, the alias libvirt
 * gave it): ready to attach again. Everything else, the PCI address included, stays.
 */
export function reattachable(xml: string): string {
  return xml.replace(/\n?\s*<target dev=['"](vnet|macvtap)[^'"]*['"]\/>/g, '').replace(/\n?\s*<alias name=['"][^'"]*['"]\/>/g, '');
}

/** The element with its source moved to `t` (and its type to match). */
export function withSource(xml: string, t: NicTarget): string {
  const source = t.network ? `<source network='${t.network}'/>` : t.bridge ? `<source bridge='${t.bridge}'/>` : `<source dev='${t.direct!.dev}' mode='${t.direct!.mode}'/>`;
  return reattachable(xml)
    .replace(/^<interface type=['"][a-z]+['"]/, `<interface type='${typeOf(t)}'`)
    .replace(/<source\b[^>]*?\/>|<source\b[^>]*>[\s\S]*?<\/source>/, source);
}

/** The element with the guest's link set up or down. */
export function withLink(xml: string, up: boolean): string {
  const clean = reattachable(xml).replace(/\n?\s*<link state=['"][a-z]+['"]\/>/, '');
  return up ? clean : clean.replace(/(\n?)(\s*)<\/interface>$/, `$1$2  <link state='down'/>$1$2</interface>`);
}

/** The NIC of `vm` with `mac`, live and in the kept definition. */
export function nicsOf(vm: Vm, mac: string): { live: VmNic | undefined; kept: VmNic | undefined } {
  return { live: isRunning(vm) ? vm.nics.find((n) => sameMac(n.mac, mac)) : undefined, kept: vm.configNics?.find((n) => sameMac(n.mac, mac)) };
}

/** `virsh <verb> VM @doc1 --live|--config`: one place a NIC change goes. */
export const deviceCommand = (verb: 'attach-device' | 'detach-device' | 'update-device', vm: string, where: '--live' | '--config'): Argv => virsh(verb, vm, '@doc1', where);

/** Every MAC the host uses: VM NICs (live and kept) and its interfaces. */
export function macsInUse(t: Topology): Map<string, string> {
  const used = new Map<string, string>();
  for (const vm of t.vms) for (const n of [...vm.nics, ...(vm.configNics ?? [])]) if (n.mac) used.set(n.mac.toLowerCase(), `VM ${vm.name}`);
  for (const i of t.interfaces) if (i.mac) used.set(i.mac.toLowerCase(), `interface ${i.name}`);
  return used;
}

/** The model's view of a NIC on `t` with the given settings. */
export function modelNic(n: NicTarget & { mac: string; model: string; linkUp: boolean; mtu?: number | undefined; queues?: number | undefined; vlanTag?: number | undefined }, t: Topology, xml: string | null): VmNic {
  const net = n.network ? networkNamed(t, n.network) : undefined;
  return {
    mac: n.mac,
    model: n.model,
    type: typeOf(n),
    source: n.network ?? n.bridge ?? n.direct!.dev,
    bridge: n.bridge ?? net?.bridge ?? null,
    directMode: n.direct?.mode ?? null,
    target: null,
    bandwidth: null,
    mtu: n.mtu ?? null,
    vlan: n.vlanTag ? { trunk: false, tags: [{ id: n.vlanTag, nativeMode: null }] } : null,
    virtualport: isOvsBridge(t, n.bridge) ? { type: 'openvswitch', parameters: {} } : null,
    portgroup: null,
    queues: n.queues ?? null,
    linkUp: n.linkUp,
    xml,
  };
}

export const updateVm = (t: Topology, name: string, change: (vm: Vm) => Vm): Topology => ({ ...t, vms: t.vms.map((v) => (v.name === name ? change(v) : v)) });

/** After apply: how `vm`'s NIC `mac` differs from what the plan intended, live and kept. */
export function nicDifferences(vmName: string, mac: string, intended: Topology, after: Topology): string[] {
  const want = vmNamed(intended, vmName);
  const have = vmNamed(after, vmName);
  if (!want || !have) return [];
  const show = (n: VmNic | undefined) => (n ? `on ${n.type} ${n.source}${n.vlan?.tags.length ? ` (VLAN ${n.vlan.tags.map((x) => x.id).join(', ')})` : ''}, link ${n.linkUp ? 'up' : 'down'}` : 'absent');
  const out: string[] = [];
  const w = nicsOf(want, mac);
  const h = nicsOf(have, mac);
  if (isRunning(have) && show(w.live) !== show(h.live)) {
    out.push(
      !w.live && h.live
        ? `${vmName} still has NIC ${mac} while it runs: the guest has not released it (a paused guest, or one without PCI hot-unplug, lets go only when it runs or restarts); it is gone from the kept definition.`
        : `${vmName}'s NIC ${mac} is ${show(h.live)} while it runs; the plan intended ${show(w.live)}.`,
    );
  }
  if (show(w.kept) !== show(h.kept)) out.push(`${vmName}'s kept definition has NIC ${mac} ${show(h.kept)}; the plan intended ${show(w.kept)}.`);
  return out;
}

/**
 * `update-device` of one NIC, live and kept, each from libvirt's own element with one change;
 * each undone by the element as it was.
 */
export function updateNicCommands(vm: Vm, mac: string, change: (xml: string) => string): PlannedCommand[] {
  const { live, kept } = nicsOf(vm, mac);
  const one = (nic: VmNic | undefined, where: '--live' | '--config') =>
    nic?.xml
      ? [cmdWithDocuments(deviceCommand('update-device', vm.name, where), [virsh('update-device', vm.name, '@doc2', where)], [{ shape: 'libvirt-interface', text: change(nic.xml) }, { shape: 'libvirt-interface', text: reattachable(nic.xml) }])]
      : [];
  return [...one(kept, '--config'), ...one(live, '--live')];
}

/** The NIC `mac` of `vm` changed the same way live and kept. */
export const changeNic = (t: Topology, vmName: string, mac: string, change: (n: VmNic) => VmNic): Topology =>
  updateVm(t, vmName, (v) => ({ ...v, nics: v.nics.map((n) => (sameMac(n.mac, mac) ? change(n) : n)), configNics: v.configNics && v.configNics.map((n) => (sameMac(n.mac, mac) ? change(n) : n)) }));

/** A NIC that exists on the VM, with libvirt's elements to change. */
export function needNic(c: Checks, vmName: string, mac: string): Vm | undefined {
  const vm = needVm(c, vmName);
  if (!vm || c.errors.length) return undefined;
  const { live, kept } = nicsOf(vm, mac);
  if (!live && !kept) c.errors.push(`${vmName} has no NIC ${mac}.`);
  else if ((live && !live.xml) || (kept && !kept.xml)) c.errors.push(`${vmName}'s NIC ${mac} could not be read as libvirt wrote it; refresh the host.`);
  return vm;
}
