import { describe, expect, it } from 'vitest';
import { detailsInWords } from './details';

describe('security event details in words', () => {
  it('says fields, changes and lists without JSON', () => {
    expect(detailsInWords({ username: 'lena', address: '198.51.100.7', reason: 'wrong password' })).toBe('username lena, address 198.51.100.7, reason wrong password');
    expect(detailsInWords({ name: 'hv1-renamed', changes: { name: { from: 'hv1', to: 'hv1-renamed' }, labels: { from: ['lab', 'rack-1'], to: ['lab'] } } })).toBe(
      'name hv1-renamed, changes: name hv1 → hv1-renamed; labels lab, rack-1 → lab',
    );
    expect(detailsInWords({ sudoersNarrowed: true, lockedFrom: [], helpers: { probe: 'ab12' } })).toBe('sudoers narrowed yes, locked from none, helpers: probe ab12');
    expect(detailsInWords({ username: 'x' })).not.toMatch(/[{}"]/);
  });
});
