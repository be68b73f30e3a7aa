// The probe's libvirt half in a real shell, with virsh and libvirtd replaced by functions that log
// their calls: a host where libvirt does not run (no socket) starts neither, and says why in the
// words the parser turns into the host's "libvirt is not running"; one where it runs asks both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeFragment } from '@/server/testing/probe-fragment';
import { LIBVIRT_SOCKET_DIRS, NO_LIBVIRT_SOCKET } from './probe';

const dir = mkdtempSync(join(tmpdir(), 'sb-probe-libvirt-'));
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The libvirt half (from its socket test to the end of its function), its socket directories moved to `socketDir`. */
function run(...socketDirs: string[]) {
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const fragment = probeFragment('libvirt_runs() {', 'e virsh_xml 127\n  fi\n}').replace(LIBVIRT_SOCKET_DIRS.join(' '), socketDirs.join(' '));
  const stubs = `libvirtd() { echo "libvirtd $*" >> "$LOG"; echo 'libvirtd (libvirt) 9.0.0'; }
virsh() { echo "virsh $*" >> "$LOG"; printf '@@sb-list:domains@@\\n@@sb-list:end@@\\n'; }`;
  const out = execFileSync('sh', ['-c', `${stubs}\n${fragment}\nlibvirt`], { env: { ...process.env, LOG: log }, encoding: 'utf8' });
  return { out, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}

const section = (out: string, name: string) => {
  const m = new RegExp(`@@sb:${name}@@\\n([\\s\\S]*?)@@sb-end:${name}:(\\d+)@@`).exec(out);
  return m ? [m[1]!.trim(), m[2]!] : undefined;
};

describe('the probe asks libvirt only where it runs', () => {
  it('starts neither libvirtd nor virsh without a socket, and says so', () => {
    const empty = mkdtempSync(join(dir, 'run-'));
    const { out, calls } = run(empty);
    expect(calls).toEqual([]);
    expect(section(out, 'libvirt_version')).toEqual(['', '0']);
    expect(section(out, 'virsh_lists')).toEqual([NO_LIBVIRT_SOCKET, '1']);
    expect(NO_LIBVIRT_SOCKET).toBe('error: no libvirt socket in /run/libvirt, /var/run/libvirt or /usr/local/var/run/libvirt');
    expect(section(out, 'virsh_xml')?.[1]).toBe('127');
  });

  it('asks both where a daemon listens (libvirtd, or virtqemud on its own)', async () => {
    for (const name of ['libvirt-sock', 'virtqemud-sock']) {
      const runDir = mkdtempSync(join(dir, 'run-'));
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(join(runDir, name), resolve));
      const { out, calls } = run(runDir);
      expect(calls[0]).toBe('libvirtd --version');
      expect(calls[1]).toMatch(/^virsh -q -c qemu:\/\/\/system echo @@sb-list:domains@@ ; list --all --uuid/);
      expect(section(out, 'libvirt_version')).toEqual(['libvirtd (libvirt) 9.0.0', '0']);
      expect(section(out, 'virsh_lists')?.[1]).toBe('0');
    }
  });

  it('looks in every socket directory, not only the first (a libvirt built from source keeps its own)', async () => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(runDir, 'libvirt-sock'), resolve));
    const { calls } = run(mkdtempSync(join(dir, 'run-')), mkdtempSync(join(dir, 'run-')), runDir);
    expect(calls[0]).toBe('libvirtd --version');
  });

  it('a plain file of that name is no socket', () => {
    const runDir = mkdtempSync(join(dir, 'run-'));
    writeFileSync(join(runDir, 'libvirt-sock'), '');
    expect(run(runDir).calls).toEqual([]);
  });
});
