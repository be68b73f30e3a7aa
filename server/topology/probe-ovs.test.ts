// The probe's ovs section run by a real shell: on a PATH without ovs-vsctl (as on this machine,
// which has no Open vSwitch), and with a stand-in ovs-vsctl that logs its arguments and answers
// with kv1's capture, fails as a database without a socket does, or is killed by its alarm.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOvs } from './parse/ovs';
import { probeFragment } from '@/server/testing/probe-fragment';
import { OVS_COLUMNS, OVS_TIMEOUT_S } from './probe';

const real = (name: string) => readFileSync(new URL(`./parse/fixtures/real/ovs/${name}`, import.meta.url), 'utf8');

/** The ovs section of the probe, with the probe's own framing helpers. */
const ovsSection = () => probeFragment('\ns ovs\n', 'e ovs $?');

const dir = mkdtempSync(join(tmpdir(), 'sb-probe-ovs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the section with PATH holding only `bin` (and, with `ovsVsctl`, a script of that name);
 * the shell's builtins (`command -v`, `printf`, `true`) are all the section needs besides it.
 */
function run(ovsVsctl: string | null) {
  const bin = mkdtempSync(join(dir, 'bin-'));
  const log = join(dir, `${Date.now()}-${Math.random()}.log`);
  writeFileSync(log, '');
  if (ovsVsctl !== null) {
    // The stand-in itself may use the system's tools; the section sees only `bin`.
    writeFileSync(join(bin, 'ovs-vsctl'), `#!/bin/sh\nPATH=/usr/bin:/bin\nprintf '%s\\n' "$@" >> "${log}"\n${ovsVsctl}\n`);
    chmodSync(join(bin, 'ovs-vsctl'), 0o755);
  }
  const out = execFileSync('/bin/sh', ['-c', ovsSection()], { env: { ...process.env, PATH: bin }, encoding: 'utf8' });
  const m = /@@sb:ovs@@\n([\s\S]*?)\n@@sb-end:ovs:(\d+)@@/.exec(out);
  return { body: m?.[1]?.trim() ?? null, exit: m ? Number(m[2]) : null, args: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

describe('the probe reads Open vSwitch in one ovs-vsctl call', () => {
  it('gives an empty, successful section where ovs-vsctl is not installed', () => {
    expect(run(null)).toEqual({ body: '', exit: 0, args: [] });
  });

  it('asks for the four tables with only their needed columns, bounded in time, and passes the answer through', () => {
    const seed = real('kv1-seed.ovs.txt').trim();
    writeFileSync(join(dir, 'answer.txt'), `${seed}\n`);
    const { body, exit, args } = run(`cat "${join(dir, 'answer.txt')}"`);
    expect(exit).toBe(0);
    expect(body).toBe(seed);
    expect(parseOvs(body!)?.bridges.map((b) => b.name)).toEqual(['ovsbr0']);
    expect(args).toEqual([
      `--timeout=${OVS_TIMEOUT_S}`,
      '--format=json',
      ...Object.entries(OVS_COLUMNS).flatMap(([table, columns]) => ['--', `--columns=${columns.join(',')}`, 'list', table]),
    ]);
    expect(args.join(' ')).toContain('-- --columns=_uuid,name,interfaces,tag,trunks,vlan_mode,bond_mode,lacp list Port');
  });

  it('keeps ovs-vsctl\'s own words and exit status when the database does not answer', () => {
    const noSocket = real('db-no-socket.txt').trim();
    writeFileSync(join(dir, 'no-socket.txt'), `${noSocket}\n`);
    expect(run(`cat "${join(dir, 'no-socket.txt')}" >&2; exit 1`)).toMatchObject({ body: noSocket, exit: 1 });
    // What the shell reports for a command its alarm (SIGALRM, 14) ended: 128 + 14.
    const timeout = real('db-timeout.txt').trim();
    writeFileSync(join(dir, 'timeout.txt'), `${timeout}\n`);
    const timedOut = run(`cat "${join(dir, 'timeout.txt')}" >&2; kill -ALRM $$`);
    expect(timedOut.exit).toBe(142);
    // dash (Debian's sh) adds its own "Alarm clock" line, inside the section's redirection.
    expect(timedOut.body?.startsWith(timeout)).toBe(true);
  });
});
