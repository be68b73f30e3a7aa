// Every operation kind, in one table the pure stages iterate (validate, project, render, invert,
// describe, the planner's phases). A new kind is a module in kinds/ and a line here.
import { z } from 'zod';
import type { Kind } from './kind';
import { addAddress, addAddressSchema } from './kinds/add-address';
import { createBond, createBondSchema } from './kinds/create-bond';
import { createBridge, createBridgeSchema } from './kinds/create-bridge';
import { createDummy, createDummySchema } from './kinds/create-dummy';
import { createVeth, createVethSchema } from './kinds/create-veth';
import { createVlan, createVlanSchema } from './kinds/create-vlan';
import { deleteInterface, deleteInterfaceSchema } from './kinds/delete-interface';
import { removeAddress, removeAddressSchema } from './kinds/remove-address';
import { restoreRoutes, restoreRoutesSchema } from './kinds/restore-routes';
import { setBridgeVlans, setBridgeVlansSchema } from './kinds/set-bridge-vlans';
import { setLinkState, setLinkStateSchema } from './kinds/set-link-state';
import { setMac, setMacSchema } from './kinds/set-mac';
import { setMaster, setMasterSchema } from './kinds/set-master';
import { setMtu, setMtuSchema } from './kinds/set-mtu';
import { unsetMaster, unsetMasterSchema } from './kinds/unset-master';
import { setIpForward, setIpForwardSchema } from './kinds/set-ip-forward';
import { createNetwork, createNetworkSchema } from './kinds/create-network';
import { deleteNetwork, deleteNetworkSchema } from './kinds/delete-network';
import { restoreNetwork, restoreNetworkSchema } from './kinds/restore-network';
import { setNetworkActive, setNetworkActiveSchema } from './kinds/set-network-active';
import { setNetworkAutostart, setNetworkAutostartSchema } from './kinds/set-network-autostart';
import { addDhcpHost, addDhcpHostSchema } from './kinds/add-dhcp-host';
import { removeDhcpHost, removeDhcpHostSchema } from './kinds/remove-dhcp-host';
import { editNetwork, editNetworkSchema } from './kinds/edit-network';
import { redefineNetwork, redefineNetworkSchema } from './kinds/redefine-network';
import { attachNic, attachNicSchema } from './kinds/attach-nic';
import { detachNic, detachNicSchema } from './kinds/detach-nic';
import { restoreNic, restoreNicSchema } from './kinds/restore-nic';
import { moveNic, moveNicSchema } from './kinds/move-nic';
import { setNicLink, setNicLinkSchema } from './kinds/set-nic-link';
import { setNicBandwidth, setNicBandwidthSchema } from './kinds/set-nic-bandwidth';
import { setQdisc, setQdiscSchema } from './kinds/set-qdisc';
import { removeQdisc, removeQdiscSchema } from './kinds/remove-qdisc';
import { restoreQdiscTree, restoreQdiscTreeSchema } from './kinds/restore-qdisc-tree';
import { setIngressPolicing, setIngressPolicingSchema } from './kinds/set-ingress-policing';
import { removeIngressPolicing, removeIngressPolicingSchema } from './kinds/remove-ingress-policing';
import { setHtbClass, setHtbClassSchema } from './kinds/set-htb-class';
import { removeHtbClass, removeHtbClassSchema } from './kinds/remove-htb-class';
import { restoreHtbClass, restoreHtbClassSchema } from './kinds/restore-htb-class';
import { addTcFilter, addTcFilterSchema } from './kinds/add-tc-filter';
import { removeTcFilter, removeTcFilterSchema } from './kinds/remove-tc-filter';
import { restoreTcFilter, restoreTcFilterSchema } from './kinds/restore-tc-filter';
import { writeBootFiles, writeBootFilesSchema } from './kinds/write-boot-files';
import { persistInterfaces, persistInterfacesSchema } from './kinds/persist-interfaces';
import { keepAtBoot, keepAtBootSchema } from './kinds/keep-at-boot';
import { addPortForward, addPortForwardSchema } from './kinds/add-port-forward';
import { removePortForward, removePortForwardSchema } from './kinds/remove-port-forward';
import { addMasquerade, addMasqueradeSchema } from './kinds/add-masquerade';
import { removeMasquerade, removeMasqueradeSchema } from './kinds/remove-masquerade';
import { createOvsBridge, createOvsBridgeSchema } from './kinds/create-ovs-bridge';
import { deleteOvsBridge, deleteOvsBridgeSchema } from './kinds/delete-ovs-bridge';
import { restoreOvsBridge, restoreOvsBridgeSchema } from './kinds/restore-ovs-bridge';
import { addOvsPort, addOvsPortSchema } from './kinds/add-ovs-port';
import { addOvsTunnelPort, addOvsTunnelPortSchema } from './kinds/add-ovs-tunnel-port';
import { removeOvsPort, removeOvsPortSchema } from './kinds/remove-ovs-port';
import { restoreOvsPort, restoreOvsPortSchema } from './kinds/restore-ovs-port';
import { setOvsPortVlans, setOvsPortVlansSchema } from './kinds/set-ovs-port-vlans';

/** In the order people meet them (and the API lists them). */
export const KINDS = [
  createBridge,
  createBond,
  createVlan,
  createVeth,
  createDummy,
  deleteInterface,
  setMaster,
  unsetMaster,
  setMtu,
  setLinkState,
  setMac,
  addAddress,
  removeAddress,
  setBridgeVlans,
  restoreRoutes,
  setIpForward,
  createNetwork,
  deleteNetwork,
  restoreNetwork,
  setNetworkActive,
  setNetworkAutostart,
  editNetwork,
  redefineNetwork,
  addDhcpHost,
  removeDhcpHost,
  attachNic,
  detachNic,
  restoreNic,
  moveNic,
  setNicLink,
  setNicBandwidth,
  setQdisc,
  removeQdisc,
  restoreQdiscTree,
  setIngressPolicing,
  removeIngressPolicing,
  setHtbClass,
  removeHtbClass,
  restoreHtbClass,
  addTcFilter,
  removeTcFilter,
  restoreTcFilter,
  addPortForward,
  removePortForward,
  addMasquerade,
  removeMasquerade,
  createOvsBridge,
  deleteOvsBridge,
  restoreOvsBridge,
  addOvsPort,
  addOvsTunnelPort,
  removeOvsPort,
  restoreOvsPort,
  setOvsPortVlans,
  writeBootFiles,
  persistInterfaces,
  keepAtBoot,
] as const;

/**
 * What the API takes: one of the kinds' schemas, told apart by `kind`. Built from the schemas
 * themselves (not the kind modules) so that a kind's inverse can name other kinds' operations.
 */
export const ZOperation = z.discriminatedUnion('kind', [
  createBridgeSchema,
  createBondSchema,
  createVlanSchema,
  createVethSchema,
  createDummySchema,
  deleteInterfaceSchema,
  setMasterSchema,
  unsetMasterSchema,
  setMtuSchema,
  setLinkStateSchema,
  setMacSchema,
  addAddressSchema,
  removeAddressSchema,
  setBridgeVlansSchema,
  restoreRoutesSchema,
  setIpForwardSchema,
  createNetworkSchema,
  deleteNetworkSchema,
  restoreNetworkSchema,
  setNetworkActiveSchema,
  setNetworkAutostartSchema,
  editNetworkSchema,
  redefineNetworkSchema,
  addDhcpHostSchema,
  removeDhcpHostSchema,
  attachNicSchema,
  detachNicSchema,
  restoreNicSchema,
  moveNicSchema,
  setNicLinkSchema,
  setNicBandwidthSchema,
  setQdiscSchema,
  removeQdiscSchema,
  restoreQdiscTreeSchema,
  setIngressPolicingSchema,
  removeIngressPolicingSchema,
  setHtbClassSchema,
  removeHtbClassSchema,
  restoreHtbClassSchema,
  addTcFilterSchema,
  removeTcFilterSchema,
  restoreTcFilterSchema,
  addPortForwardSchema,
  removePortForwardSchema,
  addMasqueradeSchema,
  removeMasqueradeSchema,
  createOvsBridgeSchema,
  deleteOvsBridgeSchema,
  restoreOvsBridgeSchema,
  addOvsPortSchema,
  addOvsTunnelPortSchema,
  removeOvsPortSchema,
  restoreOvsPortSchema,
  setOvsPortVlansSchema,
  writeBootFilesSchema,
  persistInterfacesSchema,
  keepAtBootSchema,
]);

export type Operation = z.infer<typeof ZOperation>;
export type OperationKind = Operation['kind'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>;

export const OPERATION_KINDS = ZOperation.options.map((o) => o.shape.kind.value) as OperationKind[];

const BY_KIND = new Map<string, Kind>(KINDS.map((k) => [k.schema.shape.kind.value, k as unknown as Kind]));
if (BY_KIND.size !== OPERATION_KINDS.length) throw new Error('every operation kind is registered once, with its schema');

/** The module of an operation's kind. The schema admits only registered kinds, so it exists. */
export function kindOf<O extends Operation>(op: O): Kind<z.ZodObject> {
  const k = BY_KIND.get(op.kind);
  if (!k) throw new Error(`no operation kind ${String(op.kind)}`);
  return k;
}
