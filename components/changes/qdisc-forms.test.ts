import { describe, expect, it } from 'vitest';
import { ZOperation } from '@/server/plan/ops';
import { policingOperation, shapingOperation } from './qdisc-forms';

describe('shapingOperation: people’s units in the form, the API’s fields in the draft', () => {
  it('turns Mbit/s, KiB and ms into a tbf the API takes', () => {
    const op = shapingOperation('eth1', 'tbf', { rateMbit: '10', burstKib: '32', latencyMs: '50' });
    expect(op).toEqual({ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'tbf', rateKbit: 10_000, burstBytes: 32_768, latencyMs: 50 } });
    expect(ZOperation.safeParse(op).success).toBe(true);
    expect(shapingOperation('eth1', 'tbf', { rateMbit: '2,5' })).toMatchObject({ qdisc: { rateKbit: 2500 } });
  });

  it('turns delay, jitter and loss into netem, leaving out what is empty', () => {
    expect(shapingOperation('eth1', 'netem', { delayMs: '50', jitterMs: '', lossPercent: '1' })).toEqual({ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'netem', delayMs: 50, lossPercent: 1 } });
  });

  it('turns a bandwidth in Mbit/s and a round trip into cake, or cake without a limit when both are empty', () => {
    const op = shapingOperation('eth1', 'cake', { bandwidthMbit: '95', rttMs: '20' });
    expect(op).toEqual({ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake', bandwidthKbit: 95_000, rttMs: 20 } });
    expect(ZOperation.safeParse(op).success).toBe(true);
    expect(shapingOperation('eth1', 'cake', {})).toEqual({ kind: 'setQdisc', dev: 'eth1', qdisc: { kind: 'cake' } });
    expect(shapingOperation('eth1', 'cake', { bandwidthMbit: 'lots' })).toBe('The bandwidth must be a number.');
  });

  it('says which field is wrong instead of drafting', () => {
    expect(shapingOperation('eth1', 'tbf', {})).toBe('A rate limit needs a rate in Mbit/s.');
    expect(shapingOperation('eth1', 'tbf', { rateMbit: 'fast' })).toBe('The rate must be a number.');
    expect(shapingOperation('eth1', 'netem', { delayMs: 'x' })).toBe('Delay, jitter and loss must be a number.');
  });

  it('turns Mbit/s and KiB into ingress policing the API takes, or says which field is wrong', () => {
    const op = policingOperation('eth1', { rateMbit: '2.5', burstKib: '32' });
    expect(op).toEqual({ kind: 'setIngressPolicing', dev: 'eth1', rateKbit: 2500, burstBytes: 32_768 });
    expect(ZOperation.safeParse(op).success).toBe(true);
    expect(policingOperation('eth1', { rateMbit: '10' })).toEqual({ kind: 'setIngressPolicing', dev: 'eth1', rateKbit: 10_000 });
    expect(policingOperation('eth1', {})).toBe('Policing needs a rate in Mbit/s.');
    expect(policingOperation('eth1', { rateMbit: '1', burstKib: 'big' })).toBe('The burst must be a number.');
  });
});
