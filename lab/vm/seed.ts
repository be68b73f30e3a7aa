// The seeded topology of a real-kernel lab host (kvN), as the files of its config disk. Pure.
//
// A kv host is seeded like a full namespace host (same interfaces, tc and libvirt networks,
// built by the same functions), plus what only a real kernel can do: a bond of two NICs,
// 802.1Q VLANs on the bond and on a NIC, a VLAN-filtering bridge with a trunk and an access
// port, a dummy, an Open vSwitch bridge with a tagged internal port and a tagged port, and a
// netem qdisc. VMs stay on the namespace hosts (QEMU inside this software-emulated guest would
// be emulation twice over); one defined, shut-off VM is enough for NIC configuration.
//
// The guest re-applies these files on every boot (its sbl-seed units), so a reboot with no
// change in between comes back to the same topology, as a configured hypervisor would.
import { hostKeyFingerprint } from '../fingerprint';
import type { VmHostNames } from '../config';
import {
  SEED_NETWORKS,
  SEED_VMS,
  domainXml,
  hostInterfaceBatch,
  hostMac,
  hostTcBatch,
  networkFile,
  networkXml,
  type SeedIdentity,
} from '../seed';

/** The VM a kv host defines (shut off): build1, on the `default` network. */
export const VM_SEED_VM = SEED_VMS.find((vm) => !vm.running)!;

const identity = (g: VmHostNames): SeedIdentity => ({ slot: g.slot, address: g.address });
const octet = (g: VmHostNames) => g.slot + 10;

/** Interfaces only a real kernel can create, after the namespace hosts' seed (`ip -batch`). */
export function vmExtraInterfaceBatch(g: VmHostNames): string {
  const x = octet(g);
  const mac = (slot: number) => hostMac(g.slot, slot);
  return [
    // bond0: eth4 + eth5, active-backup (a Linux bridge is no LACP partner for 802.3ad).
    `link set eth4 address ${mac(4)}`,
    `link set eth5 address ${mac(5)}`,
    `link add bond0 address ${mac(15)} type bond mode active-backup miimon 100`,
    'link set eth4 master bond0',
    'link set eth5 master bond0',
    'link set bond0 up',
    `address add 198.18.4.${x}/24 dev bond0`,
    // 802.1Q: VLAN 100 on the bond, VLAN 30 on a NIC.
    `link add link bond0 name bond0.100 address ${mac(16)} type vlan id 100`,
    'link set bond0.100 up',
    `address add 198.18.104.${x}/24 dev bond0.100`,
    `link add link eth3 name eth3.30 address ${mac(17)} type vlan id 30`,
    'link set eth3.30 up',
    `address add 198.18.33.${x}/24 dev eth3.30`,
    // A VLAN-filtering bridge: vtrunk carries VLANs 10 and 20 tagged, vaccess is an access port
    // of VLAN 10 (pvid, untagged). Their peers stay outside the bridge.
    `link add brvf address ${mac(18)} type bridge vlan_filtering 1`,
    `link add vtrunk address ${mac(19)} type veth peer name vtrunk-p address ${mac(20)}`,
    `link add vaccess address ${mac(21)} type veth peer name vaccess-p address ${mac(22)}`,
    'link set vtrunk master brvf',
    'link set vaccess master brvf',
    ...['vtrunk', 'vtrunk-p', 'vaccess', 'vaccess-p', 'brvf'].map((n) => `link set ${n} up`),
    // A dummy with a host address (it carries the netem qdisc).
    `link add dummy0 address ${mac(23)} type dummy`,
    'link set dummy0 up',
    `address add 198.18.251.${x}/32 dev dummy0`,
    // The veth that becomes a tagged port of the OVS bridge (added in the late seed).
    `link add ovsv0 address ${mac(24)} type veth peer name ovsv0-p address ${mac(25)}`,
    'link set ovsv0 up',
    'link set ovsv0-p up',
  ].join('\n') + '\n';
}

/** `bridge -batch`: the VLAN-filtering bridge's port VLANs. */
export function vmBridgeVlanBatch(): string {
  return [
    'vlan add dev vtrunk vid 10',
    'vlan add dev vtrunk vid 20',
    'vlan del dev vaccess vid 1',
    'vlan add dev vaccess vid 10 pvid untagged',
  ].join('\n') + '\n';
}

/** `tc -batch`: the namespace hosts' tc seed plus a netem qdisc on dummy0. */
export function vmTcBatch(): string {
  return hostTcBatch() + 'qdisc add dev dummy0 root handle 1: netem delay 10ms 2ms loss 1%\n';
}

/** Addresses of the OVS internal port (applied once ovs-vswitchd has created it). */
export const ovsInternalAddress = (g: VmHostNames) => `198.18.60.${octet(g)}/24`;

/**
 * The late seed (a POSIX sh script, run once Open vSwitch and libvirtd are up). Idempotent:
 * Open vSwitch keeps its bridges and libvirt its networks across reboots, so a reboot only
 * re-adds what the kernel forgot (the internal port's address). Every value is the lab's own.
 */
export function vmLateSeedScript(g: VmHostNames): string {
  const mac = (slot: number) => hostMac(g.slot, slot);
  const nets = SEED_NETWORKS.map((n) => n.name);
  // One ovs-vsctl and, on a reboot, one virsh call: every process costs about a second of
  // emulated CPU while the guest boots.
  return `set -eu
C=/run/sbl/config
ovs-vsctl --timeout=60 --may-exist add-br ovsbr0 -- set bridge ovsbr0 other-config:hwaddr=\\"${mac(26)}\\" \\
  -- --may-exist add-port ovsbr0 ovsint0 tag=10 -- set interface ovsint0 type=internal mac=\\"${mac(27)}\\" \\
  -- --may-exist add-port ovsbr0 ovsv0 tag=20
ip link set ovsbr0 up
ip link set ovsint0 up
ip address replace ${ovsInternalAddress(g)} dev ovsint0
active=$(virsh -q net-list --name | grep . | sort | tr '\\n' ' ')
if [ "$active" != "${[...nets].sort().join(' ')} " ]; then
  for n in ${nets.join(' ')}; do
    if ! virsh -q net-info "$n" >/dev/null 2>&1; then
      virsh -q net-define "$C/net-$n.xml"
      virsh -q net-autostart "$n"
    fi
    virsh -q net-info "$n" | grep -q '^Active: *yes' || virsh -q net-start "$n"
  done
fi
[ -e /etc/libvirt/qemu/${VM_SEED_VM.name}.xml ] || virsh -q define "$C/vm-${VM_SEED_VM.name}.xml"
`;
}

export interface ConfigDiskFile {
  path: string;
  content: string;
  mode: number;
}

/**
 * Everything host-specific a guest reads at boot from its config disk (/dev/vdb): the seed,
 * libvirt documents, its SSH host key and the initially authorized keys. The image itself is
 * the same for every kv host.
 */
export function configDiskFiles(
  g: VmHostNames,
  keys: { hostPrivateKey: string; hostPublicKey: string; authorizedKeys: string },
): ConfigDiskFile[] {
  const vmIndex = SEED_VMS.indexOf(VM_SEED_VM);
  return [
    { path: 'ip.batch', content: hostInterfaceBatch(identity(g)) + vmExtraInterfaceBatch(g), mode: 0o644 },
    { path: 'bridge.batch', content: vmBridgeVlanBatch(), mode: 0o644 },
    { path: 'tc.batch', content: vmTcBatch(), mode: 0o644 },
    { path: 'late.sh', content: vmLateSeedScript(g), mode: 0o644 },
    ...SEED_NETWORKS.map((n) => ({ path: networkFile(n), content: networkXml(n, g.slot), mode: 0o644 })),
    { path: `vm-${VM_SEED_VM.name}.xml`, content: domainXml(VM_SEED_VM, vmIndex, g.slot), mode: 0o644 },
    { path: 'ssh_host_ed25519_key', content: keys.hostPrivateKey, mode: 0o600 },
    { path: 'ssh_host_ed25519_key.pub', content: keys.hostPublicKey, mode: 0o644 },
    { path: 'authorized_keys', content: keys.authorizedKeys, mode: 0o644 },
    // For people reading the disk: which host this is and its key's fingerprint.
    { path: 'host', content: `${g.name} ${g.address} ${hostKeyFingerprint(keys.hostPublicKey)}\n`, mode: 0o644 },
  ];
}
