// NAT and port forwarding on a real lab host (issue 13), tested by connections, not by the
// rules' presence:
// - a port forward on hv1 lets hv2 reach a listener behind hv1's libvirt NAT network (a network
//   namespace on virbr0 standing in for a VM), through libvirt's own reject in FORWARD; Revert
//   stops it again;
// - a forward whose accept ends up below libvirt's rules (as after a firewall reload) is read as
//   blocked, and adding it again puts the accept back on top: the connection works again;
// - with libvirt 10's nftables backend (its table built as libvirt writes it), the forward also
//   needs an accept in libvirt's own chain, read as blocked once libvirt's reject is on top again;
// - a masquerade lets a host-only subnet behind hv1 reach hv2, which sees hv1's address;
// - a failure after the NAT steps rolls Switchboard's table and the FORWARD accept back;
// - the review of a forward of a port the host itself serves warns of it.
//
// One database provider: the providers are covered by changes.int.test.ts with the same services.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLab, type LabHost } from '@/lab/testing';
import { run } from '@/lab/exec';
import type { SshPool } from '@/server/ssh/pool';
import { changeHarness, panelWithLabHost } from '@/server/testing/changes';
import { addOperations, discardDraft } from '@/server/changes/drafts';
import { reviewDraft } from '@/server/changes/review';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { withListening } from '@/server/topology/listening-read';
import { forwardAcceptArgv } from '@/server/plan/nat';
import { acceptOf, forwardAcceptBlockedInWords } from '@/server/topology/words';
import { libvirtNftDocument } from '@/server/testing/libvirt-nft';
import { emptyAllTables, openTestDatabase, type TestDatabase } from '@/server/testing/database';

let hv1: LabHost;
let hv2: LabHost;
let t: TestDatabase;
let pool: SshPool;
let hostId: string;
let actor: { id: string; username: string };
const harness = changeHarness(() => ({ db: t.db, pool, actor, hostId }));
const listeners: ChildProcess[] = [];

/** A VM's stand-in behind hv1's NAT network (default, 198.19.122.0/24 on virbr0) and a host-only subnet's. */
const VM = { ns: 'sbl-natvm', address: '198.19.122.77', hostSide: 'sbnat-h' };
const HOST_ONLY = { ns: 'sbl-natho', address: '10.66.0.2', gateway: '10.66.0.1', hostSide: 'sbho-h' };

/**
 * A TCP server in namespace `ns` that answers each connection with the address it came from,
 * so a test sees both that it got through and whether it was translated.
 */
async function listen(ns: string, port: number): Promise<void> {
  const script = `require('net').createServer((s) => s.end('seen ' + s.remoteAddress.replace(/^::ffff:/, '') + '\\n')).listen(${port}, () => console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  listeners.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the listener in ${ns} exited (${code})`)));
  });
}

/** What a connection from namespace `ns` to address:port reads, or "failed: <why>" within 3 s. */
async function connectFrom(ns: string, address: string, port: number): Promise<string> {
  const script = `const s = require('net').connect(${port}, '${address}'); let got = ''; s.setTimeout(3000, () => { console.log('failed: timeout'); process.exit(0); });
s.on('data', (d) => (got += d)); s.on('end', () => { console.log(got.trim()); process.exit(0); }); s.on('error', (e) => { console.log('failed: ' + e.code); process.exit(0); });`;
  const r = await run(['ip', 'netns', 'exec', ns, process.execPath, '-e', script], { allowFailure: true, timeoutMs: 15_000 });
  return r.stdout.trim();
}

/** A namespace joined to hv1 by a veth: `hostSide` in hv1 (on `bridge`, or with `gateway`), the other end holding `address`. */
async function standIn(s: { ns: string; address: string; hostSide: string }, prefix: number, via: string, hv1Side: string[][]): Promise<void> {
  await run(['ip', 'netns', 'del', s.ns], { allowFailure: true });
  await run(['ip', 'netns', 'add', s.ns]);
  await run(['ip', 'link', 'add', s.hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.ns]);
  await run(['ip', 'link', 'set', s.hostSide, 'netns', hv1.names.netns]);
  for (const argv of hv1Side) await run(['ip', '-n', hv1.names.netns, ...argv]);
  for (const argv of [['link', 'set', 'lo', 'up'], ['link', 'set', 'eth0', 'up'], ['address', 'add', `${s.address}/${prefix}`, 'dev', 'eth0'], ['route', 'add', 'default', 'via', via]])
    await run(['ip', '-n', s.ns, ...argv]);
}

/** Waits until the bridge forwards on `port` (virbr0 runs STP: a new port listens and learns for about 4 s first). */
async function forwardingPort(port: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if ((await hv1.exec(['bridge', 'link', 'show', 'dev', port])).stdout.includes('state forwarding')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${port} did not start forwarding on its bridge within 10 s`);
}

beforeAll(async () => {
  process.env.SWITCHBOARD_SECRET ??= 'test-secret-'.padEnd(48, 'x');
  [hv1, hv2] = (await ensureLab({ hosts: 2 })) as [LabHost, LabHost];
  await hv1.start(); // from its seed: no rules of Switchboard's, libvirt's NAT network running
  await standIn(VM, 24, '198.19.122.1', [['link', 'set', VM.hostSide, 'master', 'virbr0', 'up']]);
  await forwardingPort(VM.hostSide);
  await standIn(HOST_ONLY, 24, HOST_ONLY.gateway, [['address', 'add', `${HOST_ONLY.gateway}/24`, 'dev', HOST_ONLY.hostSide], ['link', 'set', HOST_ONLY.hostSide, 'up']]);
  await listen(VM.ns, 80);
  await listen(hv2.names.netns, 9000);
  t = await openTestDatabase('sqlite');
  await emptyAllTables(t.db);
  ({ pool, hostId, actor } = await panelWithLabHost(t.db, hv1, 'nadia'));
}, 600_000);

afterAll(async () => {
  for (const l of listeners) l.kill();
  pool?.closeAll();
  await t?.close();
  // The veths go with their namespaces' ends; hv1 is rebuilt from its seed by the next suite that needs it.
  for (const ns of [VM.ns, HOST_ONLY.ns]) await run(['ip', 'netns', 'del', ns], { allowFailure: true });
});

describe('NAT and port forwarding on a lab host', () => {
  it('forwards tcp 8080 on hv1 to a listener behind its libvirt NAT network, reached from hv2; Revert stops it', async () => {
    expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toMatch(/^failed/);
    await harness.appliesVerifiesReverts(
      'forward tcp 8080 to the NAT network',
      [{ kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: VM.address, toPort: 80, inInterface: 'eth0' }],
      async (after) => {
        // Through libvirt's reject (the accept went into FORWARD), untranslated at the source.
        expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
        expect(after.firewall?.portForwards).toContainEqual(expect.objectContaining({ owner: 'switchboard', hostPort: 8080, toAddress: VM.address, changeId: expect.any(String) }));
        expect(after.firewall?.forwardAccepts).toEqual([expect.objectContaining({ toAddress: VM.address, toPort: 80, outInterface: 'virbr0' })]);
        // libvirt rebuilds its own rules when the network restarts; the accept sits above them and stays.
        await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'net-destroy', 'default']);
        await hv1.exec(['virsh', '-q', '-c', 'qemu:///system', 'net-start', 'default']);
        // A network restart leaves running VMs' taps (web1's vnet0) and the stand-in off the new bridge, as libvirt does.
        for (const port of [VM.hostSide, 'vnet0']) await hv1.exec(['ip', 'link', 'set', port, 'master', 'virbr0']);
        await forwardingPort(VM.hostSide);
        expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
      },
    );
    expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toMatch(/^failed/);
    const reverted = await harness.read();
    expect(reverted.firewall?.forwardAccepts).toEqual([]);
    expect(reverted.firewall?.tables.some((x) => x.name === 'switchboard')).toBe(false);
  }, 180_000);

  it("needs the FORWARD accept: without it libvirt's reject refuses the forwarded connection (issue 13's finding)", async () => {
    const withoutAccept = await harness.change([{ kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: VM.address, toPort: 80 }], {
      reason: 'test: a forward without its accept',
      editPlan: (p) => {
        for (const s of p.steps) s.commands = s.commands.filter((c) => c.argv[0] !== 'iptables');
      },
    });
    // The check after the apply notices the missing accept...
    expect(withoutAccept.differences).toEqual([expect.stringContaining('The accept rule that lets 198.19.122.77 port 80 through')]);
    // ...and the connection is refused by libvirt's REJECT (not left to time out).
    expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe('failed: ECONNREFUSED');
    await harness.change([{ kind: 'removePortForward', protocol: 'tcp', hostPort: 8080, toAddress: VM.address, toPort: 80 }], { reason: 'test: clean up' });
    expect((await harness.read()).firewall?.portForwards.filter((p) => p.owner === 'switchboard')).toEqual([]);
  }, 180_000);

  it("says a forward is blocked once libvirt's rules come before its accept (as after a firewall reload), and putting the forward back puts the accept on top", async () => {
    const forward = { protocol: 'tcp' as const, hostPort: 8080, toAddress: VM.address, toPort: 80, inInterface: 'eth0' };
    await harness.change([{ kind: 'addPortForward', ...forward }], { reason: 'test: a forward to be shadowed' });
    try {
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
      const [accept] = (await harness.read()).firewall!.forwardAccepts;
      expect(accept).toEqual(expect.not.objectContaining({ shadowedBy: expect.anything() }));
      // What a reload leaves: libvirt's jumps on top, the accept below them (moved to the end).
      await hv1.exec(forwardAcceptArgv('-D', accept!));
      await hv1.exec(forwardAcceptArgv('-D', accept!).map((a) => (a === '-D' ? '-A' : a)));
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe('failed: ECONNREFUSED');
      const shadowed = await harness.read();
      expect(shadowed.firewall!.forwardAccepts).toEqual([expect.objectContaining({ toAddress: VM.address, shadowedBy: 'LIBVIRT_FWI' })]);
      expect(forwardAcceptBlockedInWords(shadowed.firewall!.forwardAccepts[0]!)).toMatch(/^Blocked: libvirt's rules \(LIBVIRT_FWI\) come before Switchboard's accept/);

      // The inspector's "Put the forward back on top": taken away and added again, in one change.
      const putBack = await harness.change([{ kind: 'removePortForward', ...forward }, { kind: 'addPortForward', ...forward }], { reason: 'test: put the forward back on top' });
      expect(putBack.status, await harness.explain(putBack.changeId)).toBe('applied');
      expect(putBack.differences).toEqual([]);
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
      expect((await harness.read()).firewall!.forwardAccepts).toEqual([expect.not.objectContaining({ shadowedBy: expect.anything() })]);
    } finally {
      await harness.change([{ kind: 'removePortForward', ...forward }], { reason: 'test: clean up' });
    }
    expect((await harness.read()).firewall!.forwardAccepts).toEqual([]);
  }, 180_000);

  it("with libvirt 10's nftables backend, needs an accept in libvirt's own chain too; reads it blocked once libvirt's reject is on top again, and putting the forward back fixes it", async () => {
    // The lab's libvirt 9 cannot use that backend: its table is built as libvirt 10 writes it,
    // beside libvirt 9's iptables rules, so both reject and both need an accept.
    await hv1.exec(['nft', '-f', '-'], { input: libvirtNftDocument('virbr0', '198.19.122.0/24') });
    const forward = { protocol: 'tcp' as const, hostPort: 8080, toAddress: VM.address, toPort: 80, inInterface: 'eth0' };
    const libvirtInput = async () => (await hv1.exec(['nft', 'list', 'chain', 'ip', 'libvirt_network', 'guest_input'])).stdout;
    try {
      expect((await harness.read()).firewall!.libvirtRejects).toEqual(['iptables', 'nft']);
      // Without the accept in libvirt's chain, its reject refuses the connection that FORWARD lets through.
      const withoutNft = await harness.change([{ kind: 'addPortForward', ...forward }], {
        reason: "test: a forward without its accept in libvirt's nft chain",
        editPlan: (p) => {
          for (const s of p.steps) s.commands = s.commands.filter((c) => c.documents?.[0]?.shape !== 'nft-accepts');
        },
      });
      expect(withoutNft.differences).toEqual([expect.stringContaining("is not in libvirt's nftables chain (ip libvirt_network guest_input)")]);
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe('failed: ECONNREFUSED');
      await harness.change([{ kind: 'removePortForward', ...forward }], { reason: 'test: clean up' });

      const added = await harness.change([{ kind: 'addPortForward', ...forward }], { reason: "test: a forward through libvirt's nft chain" });
      expect(added.status, await harness.explain(added.changeId)).toBe('applied');
      expect(added.differences).toEqual([]);
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
      expect((await harness.read()).firewall!.forwardAccepts).toEqual([
        expect.objectContaining({ tool: 'iptables', toAddress: VM.address }),
        expect.objectContaining({ tool: 'nft', toAddress: VM.address, outInterface: 'virbr0', changeId: added.changeId }),
      ]);
      expect(await libvirtInput()).toMatch(new RegExp(`^\\s*oifname "virbr0" ip daddr ${VM.address.replaceAll('.', '\\.')} tcp dport 80 ct status dnat accept comment "switchboard:${added.changeId}"$`, 'm'));

      // libvirt restarting the network inserts its reject on top again.
      await hv1.exec(['nft', 'insert', 'rule', 'ip', 'libvirt_network', 'guest_input', 'oif', 'virbr0', 'counter', 'reject']);
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe('failed: ECONNREFUSED');
      const shadowed = (await harness.read()).firewall!;
      expect(shadowed.forwardAccepts.find((a) => a.tool === 'nft')).toEqual(expect.objectContaining({ shadowedBy: 'reject -o virbr0' }));
      expect(forwardAcceptBlockedInWords(acceptOf(shadowed, forward)!)).toMatch(/^Blocked: libvirt's reject for virbr0 comes before Switchboard's accept in its chain ip libvirt_network guest_input/);

      const putBack = await harness.change([{ kind: 'removePortForward', ...forward }, { kind: 'addPortForward', ...forward }], { reason: 'test: put the forward back on top' });
      expect(putBack.status, await harness.explain(putBack.changeId)).toBe('applied');
      expect(putBack.differences).toEqual([]);
      expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toBe(`seen ${hv2.address}`);
    } finally {
      await harness.change([{ kind: 'removePortForward', ...forward }], { reason: 'test: clean up' });
      // Deleted by its text (sb-delete-nft-rule): libvirt's own rules stay as they were.
      const left = await libvirtInput();
      await hv1.exec(['nft', 'delete', 'table', 'ip', 'libvirt_network'], { allowFailure: true });
      expect(left).not.toContain('switchboard');
      expect(left.match(/ reject/g)).toHaveLength(2);
    }
    expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toMatch(/^failed/);
  }, 240_000);

  it('masquerades a host-only subnet out of eth0, so it reaches hv2 as hv1; Revert stops it', async () => {
    expect(await connectFrom(HOST_ONLY.ns, hv2.address, 9000)).toMatch(/^failed/);
    await harness.appliesVerifiesReverts('masquerade the host-only subnet', [{ kind: 'addMasquerade', source: '10.66.0.0/24', outInterface: 'eth0' }], async () => {
      expect(await connectFrom(HOST_ONLY.ns, hv2.address, 9000)).toBe(`seen ${hv1.address}`);
    });
    expect(await connectFrom(HOST_ONLY.ns, hv2.address, 9000)).toMatch(/^failed/);
  }, 180_000);

  it("rolls Switchboard's table and the FORWARD accept back when a later step fails", async () => {
    await harness.rollsBackWhenStepFails(
      [
        { kind: 'addPortForward', protocol: 'tcp', hostPort: 8080, toAddress: VM.address, toPort: 80 },
        { kind: 'addMasquerade', source: '10.66.0.0/24', outInterface: 'eth0' },
      ],
      2,
    );
    expect(await connectFrom(hv2.names.netns, hv1.address, 8080)).toMatch(/^failed/);
  }, 180_000);

  it("warns at review when the host itself listens on the forwarded port (read then, in no probe), and not for a free port", async () => {
    // sshd listens on tcp 22 on every lab host; 8080 is free. The refresh alone does not read them.
    expect((await harness.read()).listening).toBeUndefined();
    const reviewed = async (hostPort: number) => {
      await addOperations(t.db, actor, hostId, [{ kind: 'addPortForward', protocol: 'tcp', hostPort, toAddress: VM.address, toPort: 80 }]);
      try {
        const review = await reviewDraft(t.db, pool, actor, hostId);
        if (!review.ok) throw new Error(`review refused: ${JSON.stringify(review.problems)}`);
        return review.steps.flatMap((step) => step.warnings ?? []);
      } finally {
        await discardDraft(t.db, hostId);
      }
    };
    // The lab's sshd listens on the host's own address.
    expect(await reviewed(22)).toContainEqual(expect.stringMatching(/^hv1 itself listens on tcp port 22 \(198\.18\.0\.\d+\): connections to that port will reach 198\.19\.122\.77 instead\.$/));
    expect((await reviewed(8080)).filter((w) => w.includes('listens'))).toEqual([]);

    // Where they cannot be read (here: nothing answers on the port), the read says why instead of failing.
    const row = await t.db.host.findUniqueOrThrow({ where: { id: hostId } });
    const elsewhere = createPanelPool(t.db);
    try {
      const unread = await withListening(elsewhere, { ...row, port: 1 }, await harness.read());
      expect(unread.listening).toBeUndefined();
      expect(unread.missing).toContainEqual({ section: 'listening', reason: expect.stringContaining(`${row.address}:1`) });
    } finally {
      elsewhere.closeAll();
    }
  }, 120_000);
});
