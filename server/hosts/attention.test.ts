import { describe, expect, it } from 'vitest';
import { hostsNeedingAttention, type AttentionHost } from './attention';

const host = (id: string, extra: Partial<AttentionHost> = {}): AttentionHost => ({
  id,
  name: id,
  address: `198.18.0.${id.length + 10}`,
  port: 22,
  username: 'root',
  hostKeyFingerprint: `SHA256:${id}`,
  status: 'reachable',
  statusMessage: null,
  ...extra,
});

describe('hostsNeedingAttention', () => {
  it('leaves hosts that are fine out', () => {
    expect(hostsNeedingAttention([host('hv1'), host('hv22')]).size).toBe(0);
  });

  it('says what is wrong and the next step, for a changed key, a refused key, an unreachable and an untested host', () => {
    const out = hostsNeedingAttention([
      host('a', { status: 'key_mismatch', statusMessage: 'expected SHA256:x, got SHA256:y' }),
      host('bb', { status: 'auth_failed', username: 'sb' }),
      host('ccc', { status: 'unreachable', statusMessage: 'connection refused', port: 2222 }),
      host('dddd', { status: 'unknown' }),
    ]);
    expect(out.get('a')).toEqual([expect.objectContaining({ tone: 'danger', what: expect.stringContaining('expected SHA256:x, got SHA256:y') })]);
    expect(out.get('a')![0]!.next).toContain('re-pin');
    expect(out.get('bb')![0]!.next).toContain('~sb/.ssh/authorized_keys');
    expect(out.get('ccc')![0]).toMatchObject({ tone: 'warning', what: 'The panel cannot reach it (connection refused).' });
    expect(out.get('ccc')![0]!.next).toContain('port 2222');
    expect(out.get('dddd')![0]!.what).toBe('Never tested.');
  });

  it('flags two entries with the same address and port, or the same host key, on both', () => {
    const out = hostsNeedingAttention([
      host('hv1', { address: 'HV1.lab' }),
      host('hv1-again', { address: 'hv1.lab' }),
      host('kv1', { hostKeyFingerprint: 'SHA256:same' }),
      host('kv1-by-ip', { hostKeyFingerprint: 'SHA256:same' }),
      host('other', { address: 'hv1.lab', port: 2222 }),
    ]);
    expect(out.get('hv1')![0]!.what).toBe('Looks like the same machine as hv1-again: the same address (HV1.lab:22).');
    expect(out.get('hv1-again')![0]!.what).toContain('as hv1:');
    expect(out.get('kv1-by-ip')![0]!.what).toBe('Looks like the same machine as kv1: the same host key.');
    expect(out.has('other')).toBe(false);
  });
});
