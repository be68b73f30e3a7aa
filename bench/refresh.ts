// Discovery benchmarks (issue 4), written to bench/RESULTS.md:
//  - refresh of a lab host seeded up to 500 interfaces, 20 VMs, 10 networks: SSH exec channels
//    per refresh, median and p95 over 50 runs on a warm connection;
//  - parsing `ip -j -s -d link` of 4,000 interfaces (interfaces, counters, link states);
//  - refreshing 50 light lab hosts at once.
//   sudo npm run bench:refresh
//   sudo npm run bench:refresh -- --large-only   (part 1 alone, printed, RESULTS.md untouched)
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { PROCESS_ANCHOR_ROW, processStartMs } from './process-anchor';
import { median, quantile, writeResultsSection } from './results';
import { authorizeLabKey, ensureLab, labDown, labHost } from '../lab/testing';
import { createPanelPool } from '../server/hosts/panel-pool';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { openTestDatabase } from '../server/testing/database';
import { refreshAll } from '../server/topology/fleet';
import { sshTargetOf } from '../server/hosts/hosts';
import { parseProbeOutput } from '../server/topology/parse';
import { linksFromJson, linkStatsFromJson } from '../server/topology/parse/ip';
import { parseJsonValue } from '../server/topology/parse/json';
import { PROBE_COMMAND, PROBE_SCRIPT, probeScript } from '../server/topology/probe';
import { refreshHost } from '../server/topology/refresh';

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);


/** Grows hv1 to 500 interfaces, 20 VMs and 10 networks, directly inside the host. */
async function seedLarge(): Promise<void> {
  const h = labHost('hv1');
  const links = JSON.parse((await h.exec(['ip', '-j', 'link', 'show'])).stdout) as unknown[];
  const pairs = Math.ceil((500 - links.length - 16) / 2); // 16 taps come with the new VMs
  const batch = Array.from({ length: pairs }, (_, i) => `link add bv${i}a type veth peer name bv${i}b`).join('\n');
  await h.exec(['ip', '-batch', '-'], { input: `${batch}\n` });
  const cmds: string[] = [];
  for (let n = 0; n < 6; n++) {
    const xml = `<network><name>bench${n}</name><bridge name='virbrb${n}'/><ip address='198.19.${130 + n}.1' netmask='255.255.255.0'/></network>`;
    await writeFile(`${h.names.dir}/seed/bench-net${n}.xml`, xml);
    cmds.push(`net-define ${h.names.dir}/seed/bench-net${n}.xml`, `net-start bench${n}`);
  }
  for (let v = 0; v < 16; v++) {
    const mac = `52:54:00:01:${(0x40 + v).toString(16)}:01`;
    const xml = `<domain type='qemu'><name>bench${v}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><interface type='network'><mac address='${mac}'/><source network='bench${v % 6}'/></interface></devices></domain>`;
    await writeFile(`${h.names.dir}/seed/bench-vm${v}.xml`, xml);
    cmds.push(`define ${h.names.dir}/seed/bench-vm${v}.xml`, `start bench${v} --paused`);
  }
  await h.exec(['virsh', '-q', '-c', 'qemu:///system', cmds.join(' ; ')], { timeoutMs: 300_000 });
}

/**
 * 4,000 interfaces as the probe reads them (`ip -j -s -d link`), made from a lab host's real
 * `ip -j -d link` entries with their counters from its `ip -j -s link`, under new names.
 */
function bigLinkJson(): string {
  const fixture = readFileSync(new URL('../server/topology/parse/fixtures/lab-full-hv1.probe.txt', import.meta.url), 'utf8');
  const section = (name: string) => JSON.parse(new RegExp(`@@sb:${name}@@\\n([\\s\\S]*?)\\n@@sb-end:${name}:`).exec(fixture)![1]!) as { ifname: string; ifindex: number; stats64?: unknown }[];
  const stats = new Map(section('link_stats').map((l) => [l.ifname, l.stats64]));
  const entries = section('link').map((l) => ({ ...l, stats64: stats.get(l.ifname) }));
  const out: unknown[] = [];
  for (let i = 0; out.length < 4000; i++) {
    const e = structuredClone(entries[i % entries.length]!);
    e.ifname = `${e.ifname.slice(0, 8)}-${i}`;
    e.ifindex = i + 1;
    out.push(e);
  }
  return JSON.stringify(out);
}

async function main() {
  process.env.SWITCHBOARD_SECRET ??= 'bench-secret-'.padEnd(48, 'b');
  const t = await openTestDatabase('sqlite');
  try {
    const identity = await ensurePanelIdentity(t.db);

    // 1. One large host.
    log('lab: 1 full host, grown to 500 interfaces / 20 VMs / 10 networks');
    await labDown();
    const [hv1] = await ensureLab({ hosts: 1 });
    await authorizeLabKey(identity.publicKey);
    await seedLarge();
    const host = await t.db.host.create({
      data: { name: 'hv1', address: hv1!.address, hostKeyFingerprint: await hv1!.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
    });
    const pool = createPanelPool(t.db);
    const first = await refreshHost(t.db, pool, host.id); // warms the connection
    const sizes = { interfaces: first.topology.interfaces.length, vms: first.topology.vms.length, networks: first.topology.networks.length };
    log(`seeded: ${JSON.stringify(sizes)}`);
    const times: number[] = [];
    const probeTimes: number[] = [];
    // The floor (issue 15): the same probe script run inside the host by a local process, no SSH,
    // no parse, no store; interleaved with the refreshes, alternating which goes first.
    const floorTimes: number[] = [];
    const runFloor = async () => {
      const t0 = performance.now();
      await hv1!.exec(PROBE_COMMAND, { input: PROBE_SCRIPT, timeoutMs: 30_000 });
      floorTimes.push(performance.now() - t0);
    };
    let channelsOpened = 0;
    for (let i = 0; i < 50; i++) {
      if (i % 2) await runFloor();
      const before = pool.channelsOpened;
      const t0 = performance.now();
      const r = await refreshHost(t.db, pool, host.id);
      times.push(performance.now() - t0);
      channelsOpened += pool.channelsOpened - before;
      probeTimes.push(r.probeMs);
      if (!(i % 2)) await runFloor();
    }
    const channelsPerRefresh = channelsOpened / 50;
    const floorRatio = median(times) / median(floorTimes);

    // 1b. What the addressing details cost (issue 11: at most +10%): the probe with and without
    // them, probe exec + parse, interleaved on the same warm connection so noise hits both alike.
    const target = sshTargetOf(host);
    const withDetails: number[] = [];
    const withoutDetails: number[] = [];
    const readOnce = async (script: string) => {
      const t0 = performance.now();
      const r = await pool.exec(target, PROBE_COMMAND, { stdin: script, timeoutMs: 30_000 });
      parseProbeOutput(r.stdout);
      return performance.now() - t0;
    };
    // 1c. The same for what issue 13 added (at most +10%): tc classes and filters, nftables and
    // iptables and Open vSwitch (listening ports are read by a port forward's review, in no probe). The full read (withDetails) is the "with" of both.
    const withoutTraffic: number[] = [];
    const arms = [
      { script: PROBE_SCRIPT, times: withDetails },
      { script: probeScript({ details: false }), times: withoutDetails },
      { script: probeScript({ traffic: false }), times: withoutTraffic },
    ];
    for (let i = 0; i < 60; i++) {
      // Rotate which goes first, so none always follows another.
      for (let k = 0; k < arms.length; k++) {
        const arm = arms[(i + k) % arms.length]!;
        arm.times.push(await readOnce(arm.script));
      }
    }
    const detailsRatio = median(withDetails) / median(withoutDetails);
    const trafficRatio = median(withDetails) / median(withoutTraffic);
    // The machine's own anchor: what starting one process costs inside the host (the probe
    // starts a few dozen); absolute times here scale with it from one machine to the next.
    const spawnMs = await processStartMs(labHost('hv1'));
    log(`large host: refresh median ${median(times).toFixed(0)} ms, floor ${median(floorTimes).toFixed(0)} ms, ratio ${floorRatio.toFixed(2)}; with details ${median(withDetails).toFixed(0)} ms, without ${median(withoutDetails).toFixed(0)} ms, ratio ${detailsRatio.toFixed(2)}; without traffic ${median(withoutTraffic).toFixed(0)} ms, ratio ${trafficRatio.toFixed(2)}`);
    pool.closeAll();

    if (process.argv.includes('--large-only')) {
      if (!process.argv.includes('--keep-lab')) await labDown();
      return;
    }

    // 2. Parsing 4,000 interfaces.
    const big = bigLinkJson();
    const parseTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      // As parseProbeOutput does: one JSON parse, then the interfaces, counters and link states.
      const json = parseJsonValue('link', big);
      const parsed = linksFromJson(json);
      linkStatsFromJson(json);
      parseTimes.push(performance.now() - t0);
      if (parsed.length !== 4000) throw new Error(`parsed ${parsed.length} interfaces`);
    }

    // 3. 50 light hosts at once.
    log('lab: 50 light hosts');
    await t.db.host.deleteMany();
    const light = await ensureLab({ hosts: 50, light: true });
    await authorizeLabKey(identity.publicKey);
    for (const h of light) {
      await t.db.host.create({
        data: { name: h.name, address: h.address, hostKeyFingerprint: await h.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() },
      });
    }
    const fleetTimes: number[] = [];
    const fleetFailures: number[] = [];
    for (let run = 0; run < 5; run++) {
      const fleetPool = createPanelPool(t.db); // cold: new connections each run, as after a restart
      const t0 = performance.now();
      const results = await refreshAll(t.db, fleetPool);
      fleetTimes.push(performance.now() - t0);
      fleetPool.closeAll();
      // A host that did not answer in time is a result, not a crash: counted and reported.
      const failed = results.filter((r) => !r.ok);
      fleetFailures.push(failed.length);
      if (failed.length) log(`run ${run + 1}: ${failed.length} of ${results.length} hosts failed, e.g. ${failed[0]!.name}: ${failed[0]!.message}`);
    }
    await labDown();

    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const body = `## Discovery (issue 4)

Measured ${new Date().toISOString().slice(0, 10)} on this machine kind (${os.cpus().length} cores), one run of
\`sudo npm run bench:refresh\` (SQLite store; the lab is brought up and down by the script).

| what | target | result |
|---|---|---|
| refresh of one host with ${sizes.interfaces} interfaces, ${sizes.vms} VMs, ${sizes.networks} networks, warm connection, 50 runs (probe + parse + store) | median < 150 ms | median ${ms(median(times))}, p95 ${ms(quantile(times, 0.95))} |
| of which the SSH exec of the probe (round trip incl. remote commands) | | median ${ms(median(probeTimes))}, p95 ${ms(quantile(probeTimes, 0.95))} |
| the floor: the same probe script run inside the host by a local process (no SSH, no parse, no store), interleaved with those 50 refreshes | | median ${ms(median(floorTimes))}, p95 ${ms(quantile(floorTimes, 0.95))} |
| warm refresh / floor (medians, same run) | ≤ 1.5 | ${floorRatio.toFixed(2)} |
| SSH exec channels per refresh | exactly 1 | ${channelsPerRefresh} |
| ${PROCESS_ANCHOR_ROW} | | ${spawnMs.toFixed(1)} ms each |
| the full read (with addressing details: kept definitions, DHCP leases, neighbours), probe exec + parse, 60 runs | | median ${ms(median(withDetails))}, p95 ${ms(quantile(withDetails, 0.95))} |
| the same read without them, interleaved in the same run (the baseline) | | median ${ms(median(withoutDetails))}, p95 ${ms(quantile(withoutDetails, 0.95))} |
| cost of the details (median with / median without) | ≤ 1.10 | ${detailsRatio.toFixed(2)} |
| the full read without what issue 13 added (class counters, tc filters, nftables, iptables, Open vSwitch; the class read stays), interleaved in the same run | | median ${ms(median(withoutTraffic))}, p95 ${ms(quantile(withoutTraffic, 0.95))} |
| cost of those (median of the full read / median without them) | ≤ 1.10 | ${trafficRatio.toFixed(2)} |
| parsing \`ip -j -s -d link\` of 4,000 interfaces: interfaces, counters and link states from one JSON parse (20 runs) | < 300 ms | median ${ms(median(parseTimes))}, max ${ms(Math.max(...parseTimes))} |
| refreshing 50 light lab hosts at once, new connections (5 runs) | < 5 s | median ${(median(fleetTimes) / 1000).toFixed(2)} s (runs: ${fleetTimes.map((x) => (x / 1000).toFixed(2)).join(', ')}); hosts that failed to answer within 30 s per run: ${fleetFailures.join(', ')} |

Absolute times grow with what starting a process costs on the machine (the anchor row; the large
host's probe starts a few dozen, a light host's about 20): the run of 2026-11-21 read the large host
in 124 ms (median) and 50 light hosts in 3.16 s. Compare within one run: the two cost rows are
ratios of interleaved reads. Fleets of 100 and 500 light hosts, watched, are bench:fleet's.

The large host is grown inside hv1 by the script (veth pairs, 6 more isolated networks, 16 more
paused VMs). The 4,000-interface input is made of real \`ip -j -d link\` entries of a lab host
with their \`ip -j -s link\` counters, as one \`ip -j -s -d link\` prints them, with new names and
indexes.
`;
    process.stdout.write((await writeResultsSection('refresh', body)) + '\n');
  } finally {
    await t.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
