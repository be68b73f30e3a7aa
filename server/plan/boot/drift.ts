// Drift: where the live network differs from what the host's boot configuration would create,
// so that an admin sees before a reboot what the reboot would change (a bridge made by hand that
// would be gone, an address the file does not have). Each difference is a sentence about one
// interface. Pure: a topology (with its boot files) in, sentences out.
import type { BootBackend, NetInterface, Topology } from '@/server/topology/model';
import type { Operation } from '../registry';
import { configuredAddresses, DEFAULT_MTU } from '../restore';
import { ifupdownIntent } from './ifupdown-intent';
import { netplanIntent } from './netplan';
import { networkdIntent } from './networkd';
import { bootInterface, describedAtBoot, writtenAtBoot, type BootInterface, type BootIntent } from './intent';

/** The backends whose files Switchboard reads back (the others are runtime only: persistence.ts). */
const INTENT_READERS: Partial<Record<BootBackend, (files: readonly { path: string; content: string }[]) => BootIntent>> = {
  ifupdown: ifupdownIntent,
  ifupdown2: ifupdownIntent,
  networkd: networkdIntent,
  netplan: netplanIntent,
};

export interface InterfaceDrift {
  name: string;
  /** What a reboot would change, one sentence each. */
  sentences: string[];
}

const CREATED_KINDS: readonly string[] = ['bridge', 'bond', 'vlan', 'dummy', 'veth'];

/** The live interface in the boot configuration's terms. */
export function liveIntent(i: NetInterface): BootInterface {
  const addresses = configuredAddresses(i).filter((a) => a.scope !== 'link');
  return bootInterface(i.name, '', {
    creates: CREATED_KINDS.includes(i.kind) ? (i.kind as BootInterface['creates']) : null,
    up: i.adminUp,
    dhcp: i.addresses.some((a) => a.family === 'inet' && a.dynamic),
    addresses: addresses.map((a) => `${a.address}/${a.prefixLength}`).sort(),
    master: i.master,
    mtu: i.mtu === DEFAULT_MTU ? null : i.mtu,
  });
}

const list = (xs: string[]) => (xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : (xs[0] ?? ''));

/** The sentences for one interface that is live now and (maybe) described at boot. */
function differences(live: BootInterface, boot: BootInterface | undefined): string[] {
  const name = live.name;
  if (!boot) {
    if (live.creates) return [`${name} is not in the boot configuration: the next reboot will not create it.`];
    const lost = [
      ...(live.addresses.length ? [`address${live.addresses.length > 1 ? 'es' : ''} ${list(live.addresses)}`] : []),
      ...(live.master ? [`place in ${live.master}`] : []),
      ...(live.mtu !== null ? [`MTU ${live.mtu}`] : []),
    ];
    return lost.length ? [`${name} is not in the boot configuration: the next reboot will drop its ${list(lost)}.`] : [];
  }
  const out: string[] = [];
  if (live.up !== boot.up) out.push(live.up ? `${name} is up now; after a reboot it stays down.` : `${name} is down now; a reboot brings it up.`);
  if (live.dhcp !== boot.dhcp) out.push(boot.dhcp ? `At boot ${name} asks DHCP for an address; it has none from DHCP now.` : `${name} has an address from DHCP now; the boot configuration does not ask DHCP.`);
  const extra = live.addresses.filter((a) => !boot.addresses.includes(a));
  const missing = boot.addresses.filter((a) => !live.addresses.includes(a));
  if (extra.length) out.push(`${list(extra)} on ${name} ${extra.length > 1 ? 'are' : 'is'} not in the boot configuration.`);
  if (missing.length) out.push(`The boot configuration gives ${name} ${list(missing)}, which it does not have now.`);
  if (live.master !== boot.master) {
    out.push(
      boot.master
        ? `At boot ${name} is a port of ${boot.master}; now it is ${live.master ? `a port of ${live.master}` : 'in no bridge or bond'}.`
        : `${name} is a port of ${live.master} now; at boot it is in no bridge or bond.`,
    );
  }
  if ((live.mtu ?? DEFAULT_MTU) !== (boot.mtu ?? DEFAULT_MTU)) out.push(`MTU of ${name}: ${live.mtu ?? DEFAULT_MTU} now, ${boot.mtu ?? DEFAULT_MTU} after a reboot.`);
  return out;
}

/** What the host's boot configuration would create, or null where Switchboard does not read it. */
export function bootIntentOf(t: Topology): BootIntent | null {
  const boot = t.host.bootConfig;
  const read = boot && INTENT_READERS[boot.backend];
  return boot && read ? read(boot.files) : null;
}

/**
 * Every interface whose live state differs from what the boot configuration would make of it, in
 * interface order, then those the boot configuration creates that do not exist now. Null when
 * Switchboard does not read the host's boot configuration (not read yet, or a backend it does
 * not read back): then nothing can be compared.
 */
export function bootDrift(t: Topology): InterfaceDrift[] | null {
  const intent = bootIntentOf(t);
  if (!intent) return null;
  const out: InterfaceDrift[] = [];
  for (const i of t.interfaces) {
    if (!describedAtBoot(t, i)) continue;
    if (!writtenAtBoot(t, i) && !intent.has(i.name)) {
      out.push({ name: i.name, sentences: [`${i.name} is not in the boot configuration: the next reboot will not create it (Switchboard does not write ${i.kind} devices there).`] });
      continue;
    }
    const sentences = differences(liveIntent(i), intent.get(i.name));
    if (sentences.length) out.push({ name: i.name, sentences });
  }
  const live = new Set(t.interfaces.map((i) => i.name));
  for (const b of intent.values()) {
    if (!live.has(b.name)) out.push({ name: b.name, sentences: [`${b.name} is in the boot configuration (${b.path}) but does not exist now: a reboot ${b.creates ? 'creates' : 'would configure'} it.`] });
  }
  return out;
}

/** Devices a draft can create from what the boot configuration says of them (a VLAN or bond needs more than the intent holds). */
const CREATE_FROM_INTENT: Partial<Record<NonNullable<BootInterface['creates']>, (name: string) => Operation>> = {
  bridge: (name) => ({ kind: 'createBridge', name, stp: false, vlanFiltering: false }),
  dummy: (name) => ({ kind: 'createDummy', name }),
};

/**
 * The operations that bring `names` back to what the boot configuration says ("draft a change
 * back to the boot configuration"), and, in sentences, what a draft cannot do (take an address
 * from DHCP, create a device it does not know enough about). The draft is reviewed like any other.
 */
export function operationsTowardBoot(t: Topology, names: readonly string[]): { operations: Operation[]; notDrafted: string[] } {
  const intent = bootIntentOf(t);
  const operations: Operation[] = [];
  const notDrafted: string[] = [];
  if (!intent) return { operations, notDrafted: ['Switchboard does not read this host’s boot configuration.'] };
  for (const name of names) {
    const i = t.interfaces.find((x) => x.name === name);
    const boot = intent.get(name);
    if (!i) {
      const create = boot?.creates ? CREATE_FROM_INTENT[boot.creates] : undefined;
      if (!boot) continue;
      if (!create) {
        notDrafted.push(`${name} is not created by a draft: ${boot.creates ? `the boot configuration's ${boot.creates} settings are not read back` : 'it is a device the boot configuration only configures'}.`);
        continue;
      }
      operations.push(create(name), ...settingsToward(bootInterface(name, ''), boot));
      continue;
    }
    if (!describedAtBoot(t, i)) continue;
    const live = liveIntent(i);
    if (!boot) {
      // Nothing at boot creates it (a kind Switchboard does not write is not created either).
      if (live.creates || !writtenAtBoot(t, i)) operations.push({ kind: 'deleteInterface', name });
      else operations.push(...settingsToward(live, bootInterface(name, '')));
      continue;
    }
    if (live.dhcp !== boot.dhcp) notDrafted.push(`${name}: whether it takes an address from DHCP is not changed by a draft.`);
    operations.push(...settingsToward(live, boot));
  }
  return { operations, notDrafted };
}

/** From `live`'s settings to `boot`'s: master, MTU, addresses, then the link state. */
function settingsToward(live: BootInterface, boot: BootInterface): Operation[] {
  const dev = live.name;
  const ops: Operation[] = [];
  if (live.master !== boot.master) ops.push(boot.master ? { kind: 'setMaster', dev, master: boot.master } : { kind: 'unsetMaster', dev });
  if ((live.mtu ?? DEFAULT_MTU) !== (boot.mtu ?? DEFAULT_MTU)) ops.push({ kind: 'setMtu', dev, mtu: boot.mtu ?? DEFAULT_MTU });
  for (const a of live.addresses.filter((x) => !boot.addresses.includes(x))) ops.push({ kind: 'removeAddress', dev, address: a });
  for (const a of boot.addresses.filter((x) => !live.addresses.includes(x))) ops.push({ kind: 'addAddress', dev, address: a });
  if (live.up !== boot.up) ops.push({ kind: 'setLinkState', dev, up: boot.up });
  return ops;
}
