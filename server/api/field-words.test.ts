import { describe, expect, it } from 'vitest';
import { ZOperation } from '@/server/plan/ops';
import { fieldInWords } from './field-words';

describe('fieldInWords: the field a refusal names, in people\'s words', () => {
  it.each([
    ['operations.0.address', 'address'],
    [['operations', 0, 'dev'], 'interface'],
    ['operations.0.dstPort', 'UDP port'], // a tunnel's
    ['operations.0.match.dstPort', 'destination port'], // a tc filter's: the same name, another meaning
    ['operations.0.match.src', 'source address'],
    ['operations.0.toPort', 'port it forwards to'],
    ['operations.0.bandwidth.inbound.floor', 'guaranteed rate'],
    ['operations.0.vlanTag', 'VLAN tag'],
    ['', 'input'],
  ] as const)('%j -> %s', (path, words) => {
    expect(fieldInWords(path)).toBe(words);
  });

  it('names every field of the traffic kinds people draft without an internal name', () => {
    const refused = (op: unknown) => {
      const r = ZOperation.safeParse(op);
      return r.success ? [] : r.error.issues.map((i) => fieldInWords(i.path));
    };
    expect(refused({ kind: 'addTcFilter', dev: 'eth2', parent: '1:', protocol: 'ip', match: { dstPort: 70000 }, classid: '1:10' })).toEqual(['destination port']);
    expect(refused({ kind: 'addPortForward', protocol: 'tcp', hostPort: 0, toAddress: '192.168.122.10', toPort: 80 })).toEqual(['host port']);
    expect(refused({ kind: 'setHtbClass', dev: 'eth2', classid: '1:30', rateKbit: 1000, ceilKbit: -1 })).toEqual(['ceiling rate']);
  });
});
