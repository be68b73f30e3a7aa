// The ids graph nodes carry, in one place: the graph and its siblings (graph-nat.ts) build them,
// the page and the inspector read them back. A node's id is also its React Flow id and its `data-id`.

export const ifId = (name: string) => `if:${name}`;
/** An OVS port with no kernel device of its own: a tunnel, a patch, a bond, a missing device. Port names are unique across OVS bridges. */
export const ovsId = (port: string) => `ovs:${port}`;
/** A bond's interface with no kernel device. Interface names are unique too, but apart from port names: hence their own prefix. */
export const ovsInterfaceId = (iface: string) => `ovsif:${iface}`;
export const vmId = (name: string) => `vm:${name}`;
export const netId = (name: string) => `net:${name}`;
