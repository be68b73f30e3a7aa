import { z } from 'zod';
import type { Topology } from '@/server/topology/model';
import { bitRateInWords, parseTcRate, parseTcSize, sizeInWords } from '@/server/topology/words';
import { cmd, type PlannedCommand } from '../commands';
import { ZIfName } from '../fields';
import { addIngressArgv, deleteIngressArgv, policeArgsFor, policeFilterArgv, policingDifferences, policingFor, policingOf, withPolicing, type Policing } from '../ingress-police';
import { defineKind, PHASES } from '../kind';
import type { Operation } from '../registry';
import { checkTcOwner } from '../tc-checks';
import { ZRateKbit } from './set-qdisc';

const BURST = 'A burst is 1 byte to 4 GiB.';

/**
 * Caps the traffic a device receives at a rate, dropping what exceeds it (tc's ingress policing),
 * or changes the cap it has. Field names are a stable API (issue 13).
 */
export const setIngressPolicingSchema = z.object({
  kind: z.literal('setIngressPolicing'),
  dev: ZIfName,
  rateKbit: ZRateKbit,
  burstBytes: z.number().int('A burst is a whole number of bytes.').min(1, BURST).max(2 ** 32 - 1, BURST).optional(),
});
type SetIngressPolicing = z.output<typeof setIngressPolicingSchema>;

const frameBytes = (t: Topology, dev: string) => (t.interfaces.find((i) => i.name === dev)?.mtu ?? 1500) + 14;
/**
 * The burst when none is given: 100 ms of traffic at the rate, and at least eight full frames.
 * A policer drops rather than queues, so TCP needs room for a window's burst: on kv1 a 10 ms
 * bucket let TCP through at a fifth of a 2 Mbit/s cap.
 */
const burstOf = (op: SetIngressPolicing, t: Topology) => op.burstBytes ?? Math.max(8 * frameBytes(t, op.dev), Math.ceil((op.rateKbit * 125) / 10));

/** A read policing as the operation that sets it again, when its printed rate and burst say exact numbers. */
export function policingOperation(dev: string, p: Policing): Operation | null {
  const bits = parseTcRate(p.rate);
  const bytes = parseTcSize(p.burst);
  if (bits === null || bytes === null || bits % 1000 !== 0 || bits < 8000 || !Number.isInteger(bytes)) return null;
  return { kind: 'setIngressPolicing', dev, rateKbit: bits / 1000, burstBytes: bytes };
}

export const setIngressPolicing = defineKind({
  schema: setIngressPolicingSchema,
  describe: (op) => `police traffic arriving on ${op.dev} at ${bitRateInWords(op.rateKbit * 1000)}${op.burstBytes ? ` (burst ${sizeInWords(op.burstBytes)})` : ''}, dropping the excess`,
  interfaces: (op) => [op.dev],
  phase: () => PHASES.configure,
  validate(op, c) {
    if (!checkTcOwner(c, op.dev)) return;
    if (c.t.filters === undefined) return void c.errors.push(`This read of the host has no tc filters, so ${op.dev}'s incoming traffic rules cannot be put back exactly; refresh the host.`);
    const now = policingOf(c.t, op.dev);
    if ('why' in now) return void c.errors.push(now.why);
    const burst = burstOf(op, c.t);
    if (burst < frameBytes(c.t, op.dev)) c.errors.push(`The burst for ${op.dev} (${burst} bytes) is smaller than one full frame (${frameBytes(c.t, op.dev)} bytes): every packet would be dropped. Leave it out and Switchboard picks 100 ms of traffic.`);
    if (burst > op.rateKbit * 125 * 60) c.errors.push(`The burst for ${op.dev} (${sizeInWords(burst)}) is more than a minute of traffic at ${bitRateInWords(op.rateKbit * 1000)}; tc cannot hold a burst that long.`);
  },
  project: (op, t) => withPolicing(t, op.dev, policingFor(t, op.rateKbit, burstOf(op, t))),
  render(op, t): PlannedCommand[] {
    const now = policingOf(t, op.dev);
    if ('why' in now) throw new Error(`render: ${now.why}`);
    const { rate, burst } = policeArgsFor(op.rateKbit, burstOf(op, t));
    if (!now.policing) {
      // Deleting the ingress qdisc takes the filter with it: that one inverse undoes both steps.
      return [cmd(addIngressArgv(op.dev), [deleteIngressArgv(op.dev)]), cmd(policeFilterArgv('add', op.dev, rate, burst), [])];
    }
    return [cmd(policeFilterArgv('replace', op.dev, rate, burst), [policeFilterArgv('replace', op.dev, now.policing.rate, now.policing.burst)])];
  },
  invert(op, before): Operation[] {
    const now = policingOf(before, op.dev);
    if ('why' in now) return [];
    if (!now.policing) return [{ kind: 'removeIngressPolicing', dev: op.dev }];
    const again = policingOperation(op.dev, now.policing);
    return again ? [again] : [];
  },
  verify: (op, intended, after) => {
    const want = policingOf(intended, op.dev);
    // A later step of the same change took it off or changed it: that step says what it expected.
    return 'why' in want ? [] : policingDifferences(op.dev, want.policing, after);
  },
});
