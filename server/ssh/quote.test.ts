// The quoting function through a real shell: every payload must arrive as one intact argument
// and no marker file may appear (Dokploy-style injection test).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellCommand, shellQuote } from './quote';

const dir = mkdtempSync(path.join(os.tmpdir(), 'quote-test-'));
const marker = path.join(dir, 'MARK');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const payloads = [
  `$(touch ${marker})`,
  `\`touch ${marker}\``,
  `x; touch ${marker}`,
  `x && touch ${marker}`,
  `x | touch ${marker}`,
  `# touch ${marker}`,
  `x\ntouch ${marker}`,
  `x'; touch ${marker}; echo '`,
  `'`,
  `''`,
  `"$(touch ${marker})"`,
  `--help`,
  `-rf`,
  `\${IFS}touch\${IFS}${marker}`,
  `*`,
  `~root`,
  ` leading and trailing spaces `,
  `tab\there`,
  `ünïcødé`,
  `back\\slash`,
  ``,
  `br0`,
];

/** Runs `printf '%s\0' ARGS...` through /bin/sh -c and returns the arguments it received. */
function throughShell(args: string[]): string[] {
  const out = execFileSync('/bin/sh', ['-c', shellCommand(['printf', '%s\\0', ...args])], { cwd: dir });
  return out.toString('utf8').split('\0').slice(0, -1);
}

describe('shellQuote through a real shell', () => {
  it.each(payloads)('delivers %j intact and runs nothing', (payload) => {
    expect(throughShell([payload])).toEqual([payload]);
    expect(existsSync(marker)).toBe(false);
  });

  it('keeps many hostile arguments separate in one command', () => {
    expect(throughShell(payloads)).toEqual(payloads);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves plain words unquoted so plans stay readable', () => {
    expect(shellCommand(['ip', 'link', 'set', 'dev', 'eth3', 'master', 'br0'])).toBe('ip link set dev eth3 master br0');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('')).toBe("''");
  });

  it('refuses NUL and empty commands', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
    expect(() => shellCommand([])).toThrow(/empty/);
  });
});
