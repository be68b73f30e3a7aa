import { describe, expect, it } from 'vitest';
import { safeReturnPath, signInPath } from './return-path';

describe('the page to return to after signing in', () => {
  it('keeps a path of this panel, with its query', () => {
    expect(safeReturnPath('/hosts/hv1?node=if%3Aeth0')).toBe('/hosts/hv1?node=if%3Aeth0');
    expect(signInPath('/history')).toBe('/sign-in?next=%2Fhistory');
  });

  it.each([
    ['another site by scheme', 'https://evil.example/'],
    ['another site without a scheme', '//evil.example/x'],
    ['a backslash some browsers read as a slash', '/\\evil.example'],
    ['a control character', '/hosts\n/x'],
    ['the sign-in page itself', '/sign-in?next=/x'],
    ['the setup page', '/setup/abc'],
    ['the start page (nothing to return to)', '/'],
    ['nothing', null],
    ['a very long path', `/${'a'.repeat(2001)}`],
  ])('refuses %s', (_, path) => {
    expect(safeReturnPath(path)).toBeNull();
    expect(signInPath(path)).toBe('/sign-in');
  });
});
