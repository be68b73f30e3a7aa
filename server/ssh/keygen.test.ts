import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateUsableKeyPair } from './identity';

describe('generateUsableKeyPair', () => {
  it('never returns a key pair that ssh2 cannot parse back (ssh2#1513 hits ~1 in 256)', () => {
    // 1500 draws: without the retry, P(no bad key) = (255/256)^1500 ≈ 0.3%.
    for (let i = 0; i < 1500; i++) {
      const pair = generateUsableKeyPair('test@switchboard');
      expect(ssh2.utils.parseKey(pair.private)).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
    }
  });
});
