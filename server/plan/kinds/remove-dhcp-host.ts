import { z } from 'zod';
import { cmdWithDocuments } from '../commands';
import { defineKind, PHASES } from '../kind';
import { dhcpHostDocument, networkDifferences, networkNamed } from '../libvirt';
import { clientWords, dhcpHostFields, dhcpHostUpdate, needParent, parentOf, sameHost, withHosts } from './add-dhcp-host';

export const removeDhcpHostSchema = z.object({ kind: z.literal('removeDhcpHost'), ...dhcpHostFields });

export const removeDhcpHost = defineKind({
  schema: removeDhcpHostSchema,
  describe: (op) => `release the reservation of ${op.ip} for ${clientWords(op)} on network ${op.network}`,
  interfaces: () => [],
  phase: () => PHASES.remove,
  validate(op, c) {
    const p = needParent(c, op);
    if (p && !p.n.ips[p.index]!.staticHosts.some((h) => sameHost(h, op))) c.errors.push(`Network ${op.network} has no reservation of ${op.ip} for ${clientWords(op)}.`);
  },
  project: (op, t) => withHosts(t, op.network, parentOf(networkNamed(t, op.network)!, op.ip), (hosts) => hosts.filter((h) => !sameHost(h, op))),
  render(op, t) {
    const n = networkNamed(t, op.network)!;
    const index = parentOf(n, op.ip);
    const hosts = n.ips[index]!.staticHosts;
    const at = hosts.findIndex((h) => sameHost(h, op));
    const kept = hosts[at]!;
    // The entry exactly as libvirt has it (a delete must match every attribute), put back where it was when that is an end.
    const back = at === 0 && hosts.length > 1 ? 'add-first' : 'add-last';
    return [cmdWithDocuments(dhcpHostUpdate(n, 'delete', index), [dhcpHostUpdate(n, back, index)], [{ shape: 'libvirt-dhcp-host', text: dhcpHostDocument(kept) }])];
  },
  invert: (op, before) => {
    const n = networkNamed(before, op.network);
    const kept = n?.ips.flatMap((x) => x.staticHosts).find((h) => sameHost(h, op));
    return [{ kind: 'addDhcpHost', network: op.network, mac: op.mac, id: op.id, name: kept?.name ?? op.name, ip: op.ip }];
  },
  verify: (op, intended, after) => networkDifferences(op.network, intended, after),
});
