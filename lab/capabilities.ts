// What this machine's kernel can create, found by trying each thing in a scratch namespace.
// Real hypervisors load modules on demand and have all of these; this lab's kernel has no
// loadable modules (FINDINGS.md), so tests of a missing feature read this report and say they
// were skipped and why, instead of passing silently.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { RUN_DIR } from './config';
import { run, type RunOptions, type RunResult } from './exec';

/** Runs argv on the kernel being probed: this machine's, or a lab guest's through its agent. */
export type Exec = (argv: readonly string[], opts?: RunOptions) => Promise<RunResult>;

export interface Probe {
  ok: boolean;
  /** The kernel's or tool's own words when it failed. */
  error?: string;
}

export interface KernelCapabilities {
  kernel: string;
  bootId: string;
  linkKinds: Record<string, Probe>;
  qdiscs: Record<string, Probe>;
  filters: Record<string, Probe>;
  bridgeVlanFiltering: Probe;
}

const SCRATCH_NS = 'sbl-capprobe';
const CACHE_FILE = `${RUN_DIR}/capabilities.json`;

/** `ip link add` arguments per link kind; `t0` and `t1` are veths created first to serve as parents. */
const LINK_KINDS: Record<string, string[][]> = {
  bridge: [['ip', 'link', 'add', 'c_br', 'type', 'bridge']],
  veth: [['ip', 'link', 'add', 'c_veth', 'type', 'veth', 'peer', 'name', 'c_vethp']],
  vlan: [['ip', 'link', 'add', 'link', 't0', 'name', 'c_vlan', 'type', 'vlan', 'id', '10']],
  bond: [['ip', 'link', 'add', 'c_bond', 'type', 'bond']],
  dummy: [['ip', 'link', 'add', 'c_dummy', 'type', 'dummy']],
  vxlan: [['ip', 'link', 'add', 'c_vx', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'dev', 't0']],
  macvlan: [['ip', 'link', 'add', 'link', 't0', 'name', 'c_mvl', 'type', 'macvlan']],
  macvtap: [['ip', 'link', 'add', 'link', 't0', 'name', 'c_mvt', 'type', 'macvtap']],
  // Its own parent: a link with macvlans on it refuses an ipvlan ("Device or resource busy").
  ipvlan: [['ip', 'link', 'add', 'link', 't1', 'name', 'c_ipvl', 'type', 'ipvlan']],
  vrf: [['ip', 'link', 'add', 'c_vrf', 'type', 'vrf', 'table', '10']],
  gre: [['ip', 'link', 'add', 'c_gre', 'type', 'gre', 'local', '10.0.0.1', 'remote', '10.0.0.2']],
  geneve: [['ip', 'link', 'add', 'c_gnv', 'type', 'geneve', 'id', '5', 'remote', '10.0.0.2']],
  wireguard: [['ip', 'link', 'add', 'c_wg', 'type', 'wireguard']],
  ifb: [['ip', 'link', 'add', 'c_ifb', 'type', 'ifb']],
  tun: [['ip', 'tuntap', 'add', 'c_tun', 'mode', 'tun']],
  tap: [['ip', 'tuntap', 'add', 'c_tap', 'mode', 'tap']],
};

/** `tc qdisc add dev t0 root handle 1:` parameters per qdisc (ingress/clsact are not root). */
const QDISCS: Record<string, string[]> = {
  pfifo: ['root', 'handle', '1:', 'pfifo'],
  pfifo_fast: ['root', 'handle', '1:', 'pfifo_fast'],
  tbf: ['root', 'handle', '1:', 'tbf', 'rate', '1mbit', 'burst', '32kb', 'latency', '50ms'],
  htb: ['root', 'handle', '1:', 'htb'],
  netem: ['root', 'handle', '1:', 'netem', 'delay', '10ms'],
  sfq: ['root', 'handle', '1:', 'sfq'],
  fq_codel: ['root', 'handle', '1:', 'fq_codel'],
  fq: ['root', 'handle', '1:', 'fq'],
  codel: ['root', 'handle', '1:', 'codel'],
  prio: ['root', 'handle', '1:', 'prio'],
  cake: ['root', 'handle', '1:', 'cake'],
  hfsc: ['root', 'handle', '1:', 'hfsc', 'default', '1'],
  red: ['root', 'handle', '1:', 'red', 'limit', '400000', 'min', '30000', 'max', '90000', 'avpkt', '1000', 'burst', '55', 'probability', '0.02', 'bandwidth', '10mbit'],
  drr: ['root', 'handle', '1:', 'drr'],
  qfq: ['root', 'handle', '1:', 'qfq'],
  multiq: ['root', 'handle', '1:', 'multiq'],
  ingress: ['ingress'],
  clsact: ['clsact'],
};

/** Filters are tried under an htb root on t0. */
const FILTERS: Record<string, string[]> = {
  u32: ['u32', 'match', 'ip', 'dport', '22', '0xffff', 'flowid', '1:1'],
  fw: ['handle', '1', 'fw', 'flowid', '1:1'],
  matchall: ['matchall', 'classid', '1:1'],
  flower: ['flower', 'ip_proto', 'tcp', 'dst_port', '22', 'classid', '1:1'],
  basic: ['basic', 'classid', '1:1'],
};

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

async function attempt(exec: Exec, argv: string[]): Promise<Probe> {
  const r = await exec(argv, { allowFailure: true, timeoutMs: 10_000 });
  return r.code === 0 ? { ok: true } : { ok: false, error: firstLine(r.stderr || r.stdout) };
}

const inNs = (argv: string[]) =>
  argv[0] === 'ip' ? ['ip', '-n', SCRATCH_NS, ...argv.slice(1)] : ['tc', '-n', SCRATCH_NS, ...argv.slice(1)];

async function probeKernel(exec: Exec): Promise<KernelCapabilities> {
  await exec(['ip', 'netns', 'del', SCRATCH_NS], { allowFailure: true });
  await exec(['ip', 'netns', 'add', SCRATCH_NS]);
  try {
    const ip = (...a: string[]) => exec(['ip', '-n', SCRATCH_NS, ...a]);
    await ip('link', 'add', 't0', 'type', 'veth', 'peer', 'name', 't0p');
    await ip('link', 'set', 't0', 'up');
    await ip('link', 'set', 't0p', 'up');
    await ip('link', 'add', 't1', 'type', 'veth', 'peer', 'name', 't1p');

    const linkKinds: Record<string, Probe> = {};
    for (const [kind, steps] of Object.entries(LINK_KINDS)) {
      let probe: Probe = { ok: true };
      for (const step of steps) {
        probe = await attempt(exec, inNs(step));
        if (!probe.ok) break;
      }
      linkKinds[kind] = probe;
    }

    const qdiscs: Record<string, Probe> = {};
    for (const [name, args] of Object.entries(QDISCS)) {
      qdiscs[name] = await attempt(exec, ['tc', '-n', SCRATCH_NS, 'qdisc', 'add', 'dev', 't0', ...args]);
      await exec(['tc', '-n', SCRATCH_NS, 'qdisc', 'del', 'dev', 't0', ...args.slice(0, 1)], { allowFailure: true });
    }

    const filters: Record<string, Probe> = {};
    await exec(['tc', '-n', SCRATCH_NS, 'qdisc', 'add', 'dev', 't0', 'root', 'handle', '1:', 'htb'], { allowFailure: true });
    for (const [name, args] of Object.entries(FILTERS)) {
      filters[name] = await attempt(exec, ['tc', '-n', SCRATCH_NS, 'filter', 'add', 'dev', 't0', 'parent', '1:', 'protocol', 'ip', 'prio', '1', ...args]);
      await exec(['tc', '-n', SCRATCH_NS, 'filter', 'del', 'dev', 't0', 'parent', '1:', 'prio', '1'], { allowFailure: true });
    }

    let bridgeVlanFiltering = await attempt(exec, inNs(['ip', 'link', 'add', 'c_vf', 'type', 'bridge', 'vlan_filtering', '1']));
    if (bridgeVlanFiltering.ok) {
      await ip('link', 'add', 'c_vfp', 'type', 'veth', 'peer', 'name', 'c_vfq');
      await ip('link', 'set', 'c_vfp', 'master', 'c_vf');
      bridgeVlanFiltering = await attempt(exec, ['bridge', '-n', SCRATCH_NS, 'vlan', 'add', 'dev', 'c_vfp', 'vid', '10']);
    }

    return {
      kernel: await kernelRelease(exec),
      bootId: await currentBootId(exec),
      linkKinds,
      qdiscs,
      filters,
      bridgeVlanFiltering,
    };
  } finally {
    await exec(['ip', 'netns', 'del', SCRATCH_NS], { allowFailure: true });
  }
}

async function currentBootId(exec: Exec): Promise<string> {
  return (await exec(['cat', '/proc/sys/kernel/random/boot_id'])).stdout.trim();
}

async function kernelRelease(exec: Exec): Promise<string> {
  return (await exec(['uname', '-r'])).stdout.trim();
}

/** A kernel's capabilities through `exec`, probed once per boot of it and cached in `cacheFile`. */
export async function capabilitiesOf(exec: Exec, cacheFile: string, opts: { refresh?: boolean } = {}): Promise<KernelCapabilities> {
  if (!opts.refresh) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as KernelCapabilities;
      if (cached.bootId === (await currentBootId(exec)) && cached.kernel === (await kernelRelease(exec))) return cached;
    } catch {
      // no cache yet
    }
  }
  const caps = await probeKernel(exec);
  await mkdir(path.dirname(cacheFile), { recursive: true });
  await writeFile(cacheFile, JSON.stringify(caps, null, 2));
  return caps;
}

/** This machine's kernel's capabilities (the namespace hosts'), cached under /run. */
export function kernelCapabilities(opts: { refresh?: boolean } = {}): Promise<KernelCapabilities> {
  return capabilitiesOf(run, CACHE_FILE, opts);
}

export type CapabilityRef =
  | { linkKind: string }
  | { qdisc: string }
  | { filter: string }
  | { bridgeVlanFiltering: true };

/**
 * Whether the kernel has what a test needs, with the reason when it has not. Tests call this
 * and report a skip with the reason, e.g. `it.skipIf(!r.ok)` plus a console line.
 */
export function hasCapability(caps: KernelCapabilities, ref: CapabilityRef): { ok: boolean; reason: string } {
  let what: string;
  let probe: Probe | undefined;
  if ('linkKind' in ref) {
    what = `link kind ${ref.linkKind}`;
    probe = caps.linkKinds[ref.linkKind];
  } else if ('qdisc' in ref) {
    what = `qdisc ${ref.qdisc}`;
    probe = caps.qdiscs[ref.qdisc];
  } else if ('filter' in ref) {
    what = `tc filter ${ref.filter}`;
    probe = caps.filters[ref.filter];
  } else {
    what = 'bridge VLAN filtering';
    probe = caps.bridgeVlanFiltering;
  }
  if (!probe) return { ok: false, reason: `${what} was not probed` };
  return probe.ok
    ? { ok: true, reason: `${what} works on kernel ${caps.kernel}` }
    : { ok: false, reason: `kernel ${caps.kernel} cannot create ${what}: ${probe.error ?? 'unknown error'}` };
}
