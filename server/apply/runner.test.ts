// The runner script, run for real: /bin/sh inside a throwaway network namespace (`unshare
// --net` gives an empty one, so `ip link add` touches nothing of this machine). Journals go to
// the machine's /run/switchboard under change ids unique to this run, removed afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { makeInterface, namespaceTopology } from '@/server/plan/fixtures';
import type { Operation } from '@/server/plan/ops';
import { planChange } from '@/server/plan/planner';
import type { PlannedCommand } from '@/server/plan/render';
import { rootTreeOf } from '@/server/plan/tc';
import { differencesFromIntended } from '@/server/plan/verify';
import type { ForwardAccept, Topology } from '@/server/topology/model';
import { forwardAcceptCommand } from '@/server/plan/nat';
import { libvirtNftDocument } from '@/server/testing/libvirt-nft';
import { parseClasses, parseQdiscs } from '@/server/topology/parse/tc';
import { parseFilters } from '@/server/topology/parse/tc-filter';
import { encodeRunnerInput, JOURNAL_DIR, journalCommand, lineSplitter, parseRunnerLine, PLAN_MAGIC, RUNNER_COMMAND, RUNNER_SCRIPT, type RunnerEvent, type RunnerStep } from './runner';

const ids: string[] = [];
const newId = () => {
  const id = `sbtest${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  ids.push(id);
  return id;
};
const journalDirExisted = existsSync(JOURNAL_DIR);
const lockExisted = existsSync(`${JOURNAL_DIR}/apply.lock`);

afterAll(() => {
  if (!existsSync(JOURNAL_DIR)) return;
  for (const f of readdirSync(JOURNAL_DIR)) if (ids.some((id) => f.startsWith(`${id}.`))) rmSync(`${JOURNAL_DIR}/${f}`, { force: true });
  if (!journalDirExisted) rmSync(JOURNAL_DIR, { recursive: true, force: true });
  else if (!lockExisted) rmSync(`${JOURNAL_DIR}/apply.lock`, { force: true });
});

interface Run {
  status: number | null;
  lines: string[];
  events: RunnerEvent[];
  /** `ip -o link` inside the namespace once the runner is done. */
  links: string[];
}

/** Runs the fixed runner command with `input` on stdin in a fresh network namespace. */
function run(input: string): Run {
  // The outer shell runs the runner exactly as the SSH exec does, then reports the namespace's
  // links on stderr (stdout stays the runner's alone).
  const outer = '"$@"; rc=$?; ip -o link show >&2; exit $rc';
  const r = spawnSync('unshare', ['--net', 'sh', '-c', outer, 'outer', ...RUNNER_COMMAND], { input, encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  const lines = r.stdout.split('\n').filter(Boolean);
  return {
    status: r.status,
    lines,
    events: lines.map(parseRunnerLine).filter((e): e is RunnerEvent => e !== null),
    links: r.stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':')[1]!.trim().split('@')[0]!),
  };
}

const lo = (): Topology => namespaceTopology();

/** A real plan for a host with nothing but lo: a bridge, a veth pair in it, an address, MTU, up. */
function realSteps(): RunnerStep[] {
  const draft: Operation[] = [
    { kind: 'createBridge', name: 'sbbr', stp: false, vlanFiltering: false },
    { kind: 'createVeth', name: 'sbv0', peer: 'sbv1' },
    { kind: 'setMaster', dev: 'sbv0', master: 'sbbr' },
    { kind: 'setMtu', dev: 'sbv1', mtu: 1400 },
    { kind: 'addAddress', dev: 'sbbr', address: '10.77.0.1/24' },
    { kind: 'setLinkState', dev: 'sbbr', up: true },
  ];
  const result = planChange(lo(), draft, '192.0.2.1');
  if (!result.ok) throw new Error(JSON.stringify(result.checks));
  return result.plan.steps;
}

const failing: PlannedCommand = { argv: ['ip', 'link', 'set', 'dev', 'sbnosuch', 'up'], inverse: [['ip', 'link', 'set', 'dev', 'sbnosuch', 'down']] };

const undoRuns = (r: Run) => r.events.flatMap((e) => (e.type === 'undo-run' ? [`${e.step}.${e.command}.${e.inverse}`] : []));
const endOf = (r: Run) => r.events.find((e) => e.type === 'end');

describe('the runner script (/bin/sh, empty network namespace)', () => {
  it('runs every command in order and ends "applied"', () => {
    const id = newId();
    const steps = realSteps();
    const r = run(encodeRunnerInput(id, steps));
    const commands = steps.flatMap((s, i) => s.commands.map((_, c) => `${i}.${c}`));
    expect(r.lines[0]).toBe(`SB begin ${id} ${commands.length}`);
    expect(r.events.flatMap((e) => (e.type === 'run' ? [`${e.step}.${e.command}`] : []))).toEqual(commands);
    expect(r.events.filter((e) => e.type === 'done').map((e) => (e as { exitCode: number }).exitCode)).toEqual(commands.map(() => 0));
    expect(r.lines.at(-1)).toBe('SB end applied');
    expect(r.status).toBe(0);
    expect(r.links.sort()).toEqual(['lo', 'sbbr', 'sbv0', 'sbv1']);
    // The runner's helper files are gone; only the journal stays.
    expect(readdirSync(JOURNAL_DIR).filter((f) => f.startsWith(`${id}.`))).toEqual([`${id}.log`]);
  });

  it('on the k-th command failing, runs the inverses of commands 0..k-1 newest first and leaves nothing behind', () => {
    const id = newId();
    const steps = realSteps();
    // Fail in the middle of the plan: after the bridge, the veth pair and the port.
    const k = 3;
    const withFailure: RunnerStep[] = [...steps.slice(0, k), { commands: [failing] }, ...steps.slice(k)];
    const r = run(encodeRunnerInput(id, withFailure));
    expect(r.events.filter((e) => e.type === 'run')).toHaveLength(k + 1);
    const failed = r.events.find((e) => e.type === 'done' && e.exitCode !== 0);
    expect(failed).toMatchObject({ step: k, command: 0 });
    expect(r.lines).toContain(`SB out ${k} 0 Cannot find device "sbnosuch"`);
    // Each of the first three steps is one command with one inverse: undone newest first.
    expect(steps.slice(0, k).map((st) => st.commands.map((c) => c.inverse.length))).toEqual([[1], [1], [1]]);
    expect(undoRuns(r)).toEqual(['2.0.1', '1.0.1', '0.0.1']);
    expect(undoRuns(r)).not.toContain(`${k}.0.1`); // the failed command's own inverse does not run
    expect(r.events.filter((e) => e.type === 'undo-done').every((e) => (e as { exitCode: number }).exitCode === 0)).toBe(true);
    expect(r.lines.at(-1)).toBe('SB end rolled-back');
    expect(r.status).not.toBe(0);
    expect(r.links).toEqual(['lo']);
  });

  it('a failing first command: nothing to undo', () => {
    const id = newId();
    const r = run(encodeRunnerInput(id, [{ commands: [failing] }, ...realSteps()]));
    expect(undoRuns(r)).toEqual([]);
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(r.links).toEqual(['lo']);
  });

  it('a failing inverse: the rest of the rollback still runs, and it ends "rollback-incomplete"', () => {
    const id = newId();
    const steps: RunnerStep[] = [
      { commands: [{ argv: ['ip', 'link', 'add', 'name', 'sbbr', 'type', 'bridge'], inverse: [['ip', 'link', 'del', 'dev', 'sbgone'], ['ip', 'link', 'del', 'dev', 'sbbr']] }] },
      { commands: [{ argv: ['ip', 'link', 'add', 'name', 'sbbr2', 'type', 'bridge'], inverse: [['ip', 'link', 'del', 'dev', 'sbbr2']] }] },
      { commands: [failing] },
    ];
    const r = run(encodeRunnerInput(id, steps));
    expect(undoRuns(r)).toEqual(['1.0.1', '0.0.1', '0.0.2']);
    expect(r.events.filter((e) => e.type === 'undo-done').map((e) => (e as { exitCode: number }).exitCode !== 0)).toEqual([false, true, false]);
    expect(r.lines).toContain('SB out 0 0 Cannot find device "sbgone"');
    expect(endOf(r)).toEqual({ type: 'end', result: 'rollback-incomplete' });
    expect(r.status).not.toBe(0);
    expect(r.links).toEqual(['lo']);
  });

  it('writes the same events to its journal as to stdout, and refuses to run a change id twice', () => {
    const id = newId();
    const steps: RunnerStep[] = [...realSteps().slice(0, 2), { commands: [failing] }];
    const r = run(encodeRunnerInput(id, steps));
    const journal = readFileSync(`${JOURNAL_DIR}/${id}.log`, 'utf8').split('\n').filter(Boolean);
    expect(journal).toEqual(r.lines);
    expect(journal.some((l) => l.startsWith('SB undo-done'))).toBe(true);
    // journalCommand reads it back the way recovery does.
    const [prog, ...args] = journalCommand(id);
    const back = spawnSync(prog!, args, { encoding: 'utf8' });
    expect(back.stdout.split('\n').filter(Boolean)).toEqual(r.lines);
    const again = run(encodeRunnerInput(id, realSteps()));
    expect(again.lines).toEqual(['SB error change-already-ran']);
    expect(again.links).toEqual(['lo']);
  });

  it('reports a journal that does not exist as missing', () => {
    const [prog, ...args] = journalCommand(newId());
    expect(spawnSync(prog!, args, { encoding: 'utf8' }).stdout.trim()).toBe('SB missing');
  });
});

/**
 * A stand-in for /usr/bin/sleep that writes each call's argument to `log` and then sleeps (a copy of
 * the real one): bound over the real one in a private mount namespace, it shows how often the
 * runner looks for a confirmation, which its fixed PATH would otherwise keep from a test.
 */
function sleepRecorder() {
  const where = mkdtempSync(path.join(tmpdir(), 'sb-sleep-'));
  const log = path.join(where, 'calls');
  writeFileSync(log, '');
  // Under its own name: a multi-call binary (busybox, single-binary coreutils) goes by it.
  mkdirSync(path.join(where, 'real'));
  const real = path.join(where, 'real', 'sleep');
  writeFileSync(real, readFileSync('/usr/bin/sleep'), { mode: 0o755 });
  const fake = path.join(where, 'sleep');
  writeFileSync(fake, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  return { fake, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean), remove: () => rmSync(where, { recursive: true, force: true }) };
}

/** Runs the runner like `run`, but asynchronously, calling `onAwait` when it waits for a confirmation. */
function runAwaiting(
  input: string,
  onAwait: () => void,
  { sleep }: { sleep?: string } = {},
): Promise<Run & { awaitedAt: number | null; endedAt: number; arrivals: { line: string; at: number }[] }> {
  const outer = `${sleep ? `mount --bind '${sleep}' /usr/bin/sleep || exit 99; ` : ''}"$@"; rc=$?; ip -o link show >&2; exit $rc`;
  const child = spawn('unshare', [...(sleep ? ['--mount'] : []), '--net', 'sh', '-c', outer, 'outer', ...RUNNER_COMMAND], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let awaitedAt: number | null = null;
  // When each line arrived (the runner writes each on its own; a pause shows as a gap).
  const arrivals: { line: string; at: number }[] = [];
  child.stdout.on('data', (d: Buffer) => {
    const at = performance.now();
    const complete = (stdout + d.toString()).split('\n').length - 1;
    stdout += d.toString();
    for (const line of stdout.split('\n').slice(arrivals.length, complete)) arrivals.push({ line, at });
    if (awaitedAt === null && stdout.includes('SB await-confirm')) {
      awaitedAt = Date.now();
      onAwait();
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      const lines = stdout.split('\n').filter(Boolean);
      resolve({
        status,
        lines,
        events: lines.map(parseRunnerLine).filter((e): e is RunnerEvent => e !== null),
        links: stderr.split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim().split('@')[0]!),
        awaitedAt,
        endedAt: Date.now(),
        arrivals,
      });
    }),
  );
}

const confirm = (id: string) => {
  const [prog, ...args] = journalCommand(id, true);
  return spawnSync(prog!, args, { encoding: 'utf8' }).stdout.trim();
};

describe('consecutive ip commands run in one ip process (ip -batch)', () => {
  const cmd = (argv: string, inverse?: string): PlannedCommand => ({ argv: argv.split(' '), inverse: inverse ? [inverse.split(' ')] : [] });
  const batches = (r: Run) => r.lines.filter((l) => l.startsWith('SB batch ')).map((l) => Number(l.split(' ')[2]));

  it('groups the ip commands between other programs, and reports run and done per command in order', () => {
    const steps: RunnerStep[] = [
      { commands: [cmd('ip link add name sbbr type bridge', 'ip link del dev sbbr'), cmd('ip link add sbv0 type veth peer name sbv1', 'ip link del dev sbv0')] },
      { commands: [cmd('tc qdisc add dev sbv0 root handle 1: htb', 'tc qdisc del dev sbv0 root')] },
      { commands: [cmd('ip link set dev sbv0 master sbbr', 'ip link set dev sbv0 nomaster'), cmd('ip link set dev sbbr up', 'ip link set dev sbbr down')] },
    ];
    const r = run(encodeRunnerInput(newId(), steps));
    expect(batches(r)).toEqual([2, 2]);
    // Each batch names its last command before ip starts (the confirmation wait starts from it).
    expect(r.events.filter((e) => e.type === 'batch')).toEqual([
      { type: 'batch', commands: 2, step: 0, command: 1 },
      { type: 'batch', commands: 2, step: 2, command: 1 },
    ]);
    const order = r.events.flatMap((e) => (e.type === 'run' || e.type === 'done' ? [`${e.type} ${e.step}.${e.command}`] : []));
    expect(order).toEqual(['run 0.0', 'done 0.0', 'run 0.1', 'done 0.1', 'run 1.0', 'done 1.0', 'run 2.0', 'done 2.0', 'run 2.1', 'done 2.1']);
    expect(endOf(r)).toEqual({ type: 'end', result: 'applied' });
    expect(r.links.sort()).toEqual(['lo', 'sbbr', 'sbv0', 'sbv1']);
  });

  it('ip exiting on an argument it cannot parse (without naming the line): exactly the commands before it are undone', () => {
    const steps: RunnerStep[] = [
      { commands: [cmd('ip link add name sbbr type bridge', 'ip link del dev sbbr')] },
      { commands: [cmd('ip link add sbv0 type veth peer name sbv1', 'ip link del dev sbv0')] },
      { commands: [cmd('ip link set dev sbv0 mtu notanumber', 'ip link set dev sbv0 mtu 1500')] },
      { commands: [cmd('ip link set dev sbbr up', 'ip link set dev sbbr down')] },
    ];
    const r = run(encodeRunnerInput(newId(), steps));
    expect(batches(r)).toEqual([4]);
    expect(r.events.filter((e) => e.type === 'done').map((e) => `${e.step}:${(e as { exitCode: number }).exitCode}`)).toEqual(['0:0', '1:0', '2:255']);
    expect(r.lines.some((l) => l.startsWith('SB out 2 0 ') && l.includes('mtu'))).toBe(true);
    expect(undoRuns(r)).toEqual(['1.0.1', '0.0.1']);
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(r.links).toEqual(['lo']);
  });

  it('starts a new ip after a delete or a rename (ip before 5.0 keeps a name\'s old index for the whole batch)', () => {
    const steps: RunnerStep[] = [
      { commands: [cmd('ip link add sbd0 type bridge', 'ip link del dev sbd0'), cmd('ip link del dev sbd0', 'ip link add sbd0 type bridge')] },
      { commands: [cmd('ip link add sbd0 type bridge', 'ip link del dev sbd0'), cmd('ip link set dev sbd0 name sbd1', 'ip link set dev sbd1 name sbd0')] },
      { commands: [cmd('ip link add sbd0 type bridge', 'ip link del dev sbd0'), cmd('ip link set dev sbd0 up', 'ip link set dev sbd0 down')] },
    ];
    const r = run(encodeRunnerInput(newId(), steps));
    expect(batches(r)).toEqual([2, 2, 2]);
    expect(endOf(r)).toEqual({ type: 'end', result: 'applied' });
    expect(r.links.sort()).toEqual(['lo', 'sbd0', 'sbd1']);
  });
});

describe('the pause before the last command of a plan that may cut the panel off', () => {
  it('is asked for in the header only with a confirmation window and a plan that may cut the panel off', () => {
    const header = (window: number, announceLast?: boolean) => encodeRunnerInput('c1', realSteps(), window, announceLast === undefined ? {} : { announceLast }).split('\n')[0]!.split(' ').slice(2);
    expect(header(30, true)).toEqual(['c1', '30', 'announce']);
    expect(header(30)).toEqual(['c1', '30', 'announce']); // unless told otherwise, a plan may
    expect(header(30, false)).toEqual(['c1', '30']);
    expect(header(0, true)).toEqual(['c1']);
  });

  it('holds the last command back at least 0.2 s after its announcement when asked, so the line leaves before a cut', async () => {
    /** The longest silence of the runner before it waits for the confirmation. */
    const longestSilence = async (announceLast: boolean) => {
      const id = newId();
      let answered = false;
      const r = await runAwaiting(encodeRunnerInput(id, realSteps(), 20, { announceLast }), () => (answered = confirm(id) === 'SB confirm-ok'));
      expect(answered).toBe(true);
      expect(endOf(r)).toEqual({ type: 'end', result: 'applied' });
      const until = r.arrivals.findIndex((a) => a.line.startsWith('SB await-confirm'));
      return Math.max(...r.arrivals.slice(1, until + 1).map((a, i) => a.at - r.arrivals[i]!.at));
    };
    expect(await longestSilence(true)).toBeGreaterThanOrEqual(190);
    // Without it the command runs at once (a generous bound: these commands take milliseconds).
    expect(await longestSilence(false)).toBeLessThan(180);
  });
});

describe('confirmed apply: the host undoes a change the panel does not confirm in time', () => {
  it('waits after the last step; a confirmation keeps the change and ends "applied"', async () => {
    const id = newId();
    const steps = realSteps();
    let answer = '';
    const r = await runAwaiting(encodeRunnerInput(id, steps, 20), () => (answer = confirm(id)));
    expect(answer).toBe('SB confirm-ok');
    const tail = r.lines.slice(-3);
    expect(tail).toEqual(['SB await-confirm 20', 'SB confirmed', 'SB end applied']);
    // The runner looks for the confirmation every 50 ms at first: it ends soon after it, not at the deadline.
    expect(r.endedAt - r.awaitedAt!).toBeLessThan(5_000);
    expect(r.status).toBe(0);
    expect(r.links.sort()).toEqual(['lo', 'sbbr', 'sbv0', 'sbv1']);
    // A second confirmation of the same change still says it was confirmed.
    expect(confirm(id)).toBe('SB confirm-ok');
  });

  it('without a confirmation, undoes every step itself when the window closes and ends "rolled-back-by-host"', async () => {
    const id = newId();
    const steps = realSteps();
    const sleeps = sleepRecorder();
    let looks: string[];
    let r: Awaited<ReturnType<typeof runAwaiting>>;
    try {
      // 5 s: the 40 quick looks take 2 s and more (each starts the recorder too), then slow ones.
      r = await runAwaiting(encodeRunnerInput(id, steps, 5, { announceLast: false }), () => undefined, { sleep: sleeps.fake });
      looks = sleeps.calls();
    } finally {
      sleeps.remove();
    }
    expect(r.lines).toContain('SB unconfirmed 5');
    // It looked for the confirmation every 50 ms for its first 40 looks (a confirmation usually
    // comes within a second, and "applied" waits for a look to see it), then every 0.2 s.
    expect(looks.slice(0, 40)).toEqual(Array(40).fill('0.05'));
    expect(looks.length).toBeGreaterThan(40);
    expect(new Set(looks.slice(40))).toEqual(new Set(['0.2']));
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back-by-host' });
    // Every command's inverses, newest first.
    const all = steps.flatMap((st, i) => st.commands.map((c, k) => ({ i, k, n: c.inverse.length })));
    expect(undoRuns(r)).toEqual(all.reverse().flatMap(({ i, k, n }) => Array.from({ length: n }, (_, j) => `${i}.${k}.${j + 1}`)));
    expect(r.events.filter((e) => e.type === 'undo-done').every((e) => (e as { exitCode: number }).exitCode === 0)).toBe(true);
    expect(r.status).not.toBe(0);
    expect(r.links).toEqual(['lo']);
    // A confirmation that comes too late is told so, and changes nothing.
    expect(confirm(id)).toBe('SB confirm-late');
    // The journal holds it all, for a panel that was not there.
    expect(readFileSync(`${JOURNAL_DIR}/${id}.log`, 'utf8').split('\n').filter(Boolean)).toEqual(r.lines);
  }, 20_000);

  it('does not wait when a step failed (the rollback is already the answer), and confirms nothing it does not know', async () => {
    const id = newId();
    const r = await runAwaiting(encodeRunnerInput(id, [...realSteps().slice(0, 1), { commands: [failing] }], 20), () => undefined);
    expect(r.awaitedAt).toBeNull();
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(confirm(newId())).toBe('SB confirm-none');
  });

  it('refuses a window that is not a number of seconds', () => {
    const good = encodeRunnerInput(newId(), realSteps(), 30);
    const id = newId();
    const bad = good.replace(/^(\S+ \S+) \S+ 30( announce)?\n/, `$1 ${id} 3x$2\n`);
    expect(bad).not.toBe(good);
    expect(run(bad).lines).toEqual(['SB error bad-confirm-window']);
    expect(() => encodeRunnerInput(newId(), realSteps(), 1.5)).toThrow(/bad confirmation window/);
    expect(() => encodeRunnerInput(newId(), realSteps(), 1000)).toThrow(/bad confirmation window/);
  });
});

describe('the runner refuses what render.ts would never produce (its own check)', () => {
  const marker = `/tmp/sbtest-marker-${process.pid}-${randomBytes(3).toString('hex')}`;

  it.each([
    ['a command substitution', `ip link add name $(touch ${marker}) type bridge`],
    ['backquotes', `ip link add name \`touch ${marker}\` type bridge`],
    ['a semicolon', `ip link add name sbx;touch ${marker} type bridge`],
    ['a pipe', `ip link show | touch ${marker}`],
    ['a redirection', `ip link show >${marker}`],
    ['a glob', `ip link add name sb* type bridge`],
    ['another program', `touch ${marker}`],
    ['a program by path', `/usr/bin/touch ${marker}`],
  ])('%s', (_, argv) => {
    const id = newId();
    const input = `${PLAN_MAGIC} ${id}\ndo 0 0 ip link add name sbbr type bridge\nundo 0 0 ip link del dev sbbr\ndo 1 0 ${argv}\nundo 1 0 ip link del dev sbbr\nend\n`;
    const r = run(input);
    expect(r.lines).toContain(argv.startsWith('ip') ? 'SB out 1 0 refused: unsafe argument' : `SB out 1 0 refused: program ${argv.split(' ')[0]}`);
    expect(r.events.find((e) => e.type === 'done' && e.step === 1)).toMatchObject({ exitCode: 126 });
    // What ran before it is undone.
    expect(undoRuns(r)).toEqual(['0.0.1']);
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(existsSync(marker)).toBe(false);
    expect(r.links).toEqual(['lo']);
  });

  // `=` and `,` are plain characters on an argv (ovs-vsctl's `tag=10`, `trunks=10,20`), but no
  // word may carry an option with its value, and ovs-vsctl takes only its timeout (its other
  // global options write files).
  it.each([
    ['ovs-vsctl without its timeout', 'ovs-vsctl add-br sbx', 'refused: ovs-vsctl takes --timeout=5 and a command'],
    ['ovs-vsctl writing a log file', `ovs-vsctl --timeout=5 --log-file=${marker} add-br sbx`, 'refused: unsafe argument'],
    ['ovs-vsctl with another timeout', 'ovs-vsctl --timeout=50 add-br sbx', 'refused: unsafe argument'],
    ['ovs-vsctl with another global option', 'ovs-vsctl --timeout=5 --no-wait add-br sbx', 'refused: ovs-vsctl option --no-wait'],
    ["an ovs-vsctl command's option", 'ovs-vsctl --timeout=5 -- --may-exist add-br sbx', 'refused: ovs-vsctl option --may-exist'],
    ["ovs-vsctl's timeout for another program", 'ip --timeout=5 link show', 'refused: unsafe argument'],
    ['an option with its value in one word', `ip -batch=${marker} link show`, 'refused: unsafe argument'],
    ['an assignment before a program', `LD_PRELOAD=${marker} ip link show`, `refused: program LD_PRELOAD=${marker}`],
  ])('%s', (_, argv, refusal) => {
    const id = newId();
    const r = run(`${PLAN_MAGIC} ${id}\ndo 0 0 ip link add name sbbr type bridge\nundo 0 0 ip link del dev sbbr\ndo 1 0 ${argv}\nend\n`);
    expect(r.lines).toContain(`SB out 1 0 ${refusal}`);
    expect(r.events.find((e) => e.type === 'done' && e.step === 1)).toMatchObject({ exitCode: 126 });
    expect(endOf(r)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(existsSync(marker)).toBe(false);
    expect(r.links).toEqual(['lo']);
  });

  it('passes = and , on as plain characters of one argument', () => {
    const id = newId();
    const r = run(`${PLAN_MAGIC} ${id}\ndo 0 0 ip link add name sbeq=1,2 type bridge\nundo 0 0 ip link del dev sbeq=1,2\nend\n`);
    expect(endOf(r)).toEqual({ type: 'end', result: 'applied' });
    expect(r.links.sort()).toEqual(['lo', 'sbeq=1,2']);
  });

  it('refuses an unsafe inverse as well', () => {
    const id = newId();
    const input = `${PLAN_MAGIC} ${id}\ndo 0 0 ip link add name sbbr type bridge\nundo 0 0 ip link del dev $(touch ${marker})\nundo 0 0 ip link del dev sbbr\ndo 1 0 ip link set dev sbnosuch up\nend\n`;
    const r = run(input);
    expect(r.lines).toContain('SB out 0 0 refused: unsafe argument');
    expect(endOf(r)).toEqual({ type: 'end', result: 'rollback-incomplete' });
    expect(existsSync(marker)).toBe(false);
    expect(r.links).toEqual(['lo']);
  });

  it.each([
    ['no input', '', 'SB error no-input'],
    ['a bad header', `HELLO 1 abc\ndo 0 0 ip link add name sbbr type bridge\nend\n`, 'SB error bad-header'],
    ['another plan version', `SWITCHBOARD-PLAN 2 abc\ndo 0 0 ip link add name sbbr type bridge\nend\n`, 'SB error bad-header'],
    ['a change id with a path', `${PLAN_MAGIC} ../../tmp/x\ndo 0 0 ip link add name sbbr type bridge\nend\n`, 'SB error bad-change-id'],
    ['a change id with a substitution', `${PLAN_MAGIC} a$(touch ${marker})\ndo 0 0 ip link add name sbbr type bridge\nend\n`, 'SB error bad-change-id'],
    ['an empty change id', `${PLAN_MAGIC}\ndo 0 0 ip link add name sbbr type bridge\nend\n`, 'SB error bad-change-id'],
  ])('refuses %s before anything runs', (_, input, error) => {
    const r = run(input);
    expect(r.lines).toEqual([error]);
    expect(r.status).toBe(64);
    expect(r.links).toEqual(['lo']);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a truncated plan (no "end" line) before anything runs, and leaves no files', () => {
    const id = newId();
    const full = encodeRunnerInput(id, realSteps());
    const truncated = full.slice(0, full.lastIndexOf('end\n'));
    const r = run(truncated);
    expect(r.lines).toEqual(['SB error truncated-plan']);
    expect(r.status).toBe(64);
    expect(r.links).toEqual(['lo']);
    expect(readdirSync(JOURNAL_DIR).filter((f) => f.startsWith(`${id}.`))).toEqual([]);
    // Cut mid-line too.
    const id2 = newId();
    const r2 = run(encodeRunnerInput(id2, realSteps()).slice(0, 80));
    expect(r2.lines).toEqual(['SB error truncated-plan']);
    expect(r2.links).toEqual(['lo']);
  });
});

/**
 * Runs the runner in fresh network and mount namespaces whose /etc/sysctl.d is a private
 * directory, so its file built-ins and `sysctl -p` touch nothing of this machine. Reports the
 * namespace's IPv4 forwarding and the files Switchboard owns there.
 */
function runWithPrivateEtc(input: string, seed: Record<string, string> = {}): { lines: string[]; events: RunnerEvent[]; status: number | null; forward: string; files: Record<string, string> } {
  const etc = mkdtempSync(path.join(tmpdir(), 'sb-sysctl-'));
  try {
    for (const [name, text] of Object.entries(seed)) writeFileSync(path.join(etc, name), text);
    const outer = 'mount --bind "$1" /etc/sysctl.d; shift; "$@"; rc=$?; cat /proc/sys/net/ipv4/ip_forward >&2; exit $rc';
    const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', outer, 'outer', etc, ...RUNNER_COMMAND], { input, encoding: 'utf8', timeout: 10_000 });
    if (r.error) throw r.error;
    const lines = r.stdout.split('\n').filter(Boolean);
    const files = Object.fromEntries(readdirSync(etc).map((f) => [f, readFileSync(path.join(etc, f), 'utf8')]));
    return { lines, status: r.status, events: lines.map(parseRunnerLine).filter((e): e is RunnerEvent => e !== null), forward: r.stderr.trim(), files };
  } finally {
    rmSync(etc, { recursive: true, force: true });
  }
}

describe('boot files: /etc/network/interfaces and Switchboard\'s file beside it', () => {
  /**
   * The runner in fresh namespaces whose /etc is an overlay of this machine's (this machine may
   * have no /etc/network at all): what it writes lands in a private upper directory, seeded with
   * `seed` as /etc/network. Returns /etc/network's files afterwards.
   */
  function runWithPrivateNetwork(input: string, seed: Record<string, string>, under = 'network'): { lines: string[]; files: Record<string, string>; modes: Record<string, number> } {
    const root = mkdtempSync(path.join(tmpdir(), 'sb-network-'));
    const dir = path.join(root, 'upper', under);
    try {
      mkdirSync(dir, { recursive: true });
      mkdirSync(path.join(root, 'work'));
      for (const [name, text] of Object.entries(seed)) writeFileSync(path.join(dir, name), text);
      // Nothing runs unless the overlay is in place.
      const outer = 'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc || exit 99; shift; "$@"';
      const r = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', outer, 'outer', root, ...RUNNER_COMMAND], { input, encoding: 'utf8', timeout: 10_000 });
      if (r.error) throw r.error;
      if (r.status === 99) throw new Error(`the private /etc could not be mounted: ${r.stderr}`);
      const files: Record<string, string> = {};
      const modes: Record<string, number> = {};
      const walk = (d: string, prefix: string) => {
        for (const f of readdirSync(d, { withFileTypes: true })) {
          if (f.isDirectory()) walk(path.join(d, f.name), `${prefix}${f.name}/`);
          else {
            files[`${prefix}${f.name}`] = readFileSync(path.join(d, f.name), 'utf8');
            modes[`${prefix}${f.name}`] = statSync(path.join(d, f.name)).mode & 0o777;
          }
        }
      };
      walk(root + '/upper', '');
      return { lines: r.stdout.split('\n').filter(Boolean), files: Object.fromEntries(Object.entries(files).filter(([k]) => k.startsWith(`${under}/`)).map(([k, v]) => [k.slice(under.length + 1), v])), modes };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const MAIN = 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n';
  const doc = (text: string) => ({ shape: 'interfaces' as const, text });

  it('writes the main file and creates Switchboard\'s file (and its directory); a later failure puts both back', () => {
    const edited = `${MAIN}\nauto eth0\niface eth0 inet manual\n`;
    const ours = 'auto br5\niface br5 inet manual\n    bridge-ports none\n';
    const steps: RunnerStep[] = [
      {
        commands: [
          { argv: ['sb-write-file', '/etc/network/interfaces', '@doc1'], inverse: [['sb-write-file', '/etc/network/interfaces', '@doc2']], documents: [doc(edited), doc(MAIN)] },
          { argv: ['sb-write-file', '/etc/network/interfaces.d/switchboard', '@doc1'], inverse: [['sb-remove-file', '/etc/network/interfaces.d/switchboard']], documents: [doc(ours)] },
        ],
      },
    ];
    const applied = runWithPrivateNetwork(encodeRunnerInput(newId(), steps), { interfaces: MAIN });
    expect(applied.lines.at(-1)).toBe('SB end applied');
    expect(applied.files).toEqual({ interfaces: edited, 'interfaces.d/switchboard': ours });
    const failed = runWithPrivateNetwork(encodeRunnerInput(newId(), [...steps, { commands: [failing] }]), { interfaces: MAIN });
    expect(failed.lines.at(-1)).toBe('SB end rolled-back');
    expect(failed.files).toEqual({ interfaces: MAIN });
  });

  it('writes systemd-networkd units and netplan YAML (readable by root only, as netplan wants), nothing deeper or of another type', () => {
    const unit = '[Match]\nName=br5\n';
    const yaml = 'network:\n  version: 2\n';
    const write = (p: string, text: string) => ({ argv: ['sb-write-file', p, '@doc1'], inverse: [['sb-remove-file', p]], documents: [doc(text)] });
    const ok = runWithPrivateNetwork(encodeRunnerInput(newId(), [{ commands: [write('/etc/systemd/network/10-switchboard-br5.network', unit), write('/etc/netplan/90-switchboard.yaml', yaml)] }]), {}, 'systemd');
    expect(ok.lines.at(-1)).toBe('SB end applied');
    expect(ok.files).toEqual({ 'network/10-switchboard-br5.network': unit });
    expect(ok.modes).toMatchObject({ 'systemd/network/10-switchboard-br5.network': 0o644, 'netplan/90-switchboard.yaml': 0o600 });
    for (const bad of ['/etc/systemd/network/x.network.d/override.conf', '/etc/systemd/network/10-x.link', '/etc/systemd/system/evil.service', '/etc/netplan/sub/x.yaml']) {
      const r = runWithPrivateNetwork(encodeRunnerInput(newId(), [{ commands: [write(bad, unit)] }]), {}, 'systemd');
      expect(r.lines, bad).toContain(`SB out 0 0 refused: file ${bad}`);
      expect(r.files).toEqual({});
    }
  });

  it('writes the tc and NAT rules kept for boot and the unit that loads them, no other file in those directories', () => {
    const write = (p: string, text: string) => ({ argv: ['sb-write-file', p, '@doc1'], inverse: [['sb-remove-file', p]], documents: [doc(text)] });
    const kept = runWithPrivateNetwork(encodeRunnerInput(newId(), [{ commands: [write('/etc/switchboard/tc.batch', '# dev eth1\n'), write('/etc/switchboard/nat.nft', 'table inet switchboard\n')] }]), {}, 'switchboard');
    expect(kept.lines.at(-1)).toBe('SB end applied');
    expect(kept.files).toEqual({ 'tc.batch': '# dev eth1\n', 'nat.nft': 'table inet switchboard\n' });
    const unit = runWithPrivateNetwork(
      encodeRunnerInput(newId(), [{ commands: [write('/etc/systemd/system/switchboard-restore.service', '[Unit]\n'), write('/etc/systemd/system/multi-user.target.d/switchboard-restore.conf', '[Unit]\n')] }]),
      {},
      'systemd',
    );
    expect(unit.lines.at(-1)).toBe('SB end applied');
    expect(unit.files).toEqual({ 'system/switchboard-restore.service': '[Unit]\n', 'system/multi-user.target.d/switchboard-restore.conf': '[Unit]\n' });
    for (const bad of ['/etc/switchboard/run.sh', '/etc/switchboard/sub/tc.batch', '/etc/systemd/system/multi-user.target.d/other.conf', '/etc/systemd/system/switchboard-restore.service.d/x.conf']) {
      const r = runWithPrivateNetwork(encodeRunnerInput(newId(), [{ commands: [write(bad, '[Unit]\n')] }]), {}, 'systemd');
      expect(r.lines, bad).toContain(`SB out 0 0 refused: file ${bad}`);
      expect(r.files).toEqual({});
    }
  });

  it('refuses any other file under /etc/network', () => {
    const r = runWithPrivateNetwork(
      encodeRunnerInput(newId(), [{ commands: [{ argv: ['sb-write-file', '/etc/network/if-up.d/evil', '@doc1'], inverse: [], documents: [doc('#!/bin/sh\n')] }] }]),
      { interfaces: MAIN },
    );
    expect(r.lines).toContain('SB out 0 0 refused: file /etc/network/if-up.d/evil');
    expect(r.files).toEqual({ interfaces: MAIN });
  });
});

const FORWARD_FILE = '/etc/sysctl.d/99-switchboard-forwarding.conf';
const sysctlDoc = (v: 0 | 1) => ({ shape: 'sysctl' as const, text: `net.ipv4.ip_forward = ${v}\n` });

describe('documents: sent as data, passed to commands as private files', () => {
  it('a command reads its document through @doc1, an inverse through @doc2, and the files are gone afterwards', () => {
    const id = newId();
    const steps: RunnerStep[] = [
      { commands: [{ argv: ['sysctl', '-q', '-p', '@doc1'], inverse: [['sysctl', '-q', '-p', '@doc2']], documents: [sysctlDoc(1), sysctlDoc(0)] }] },
      { commands: [{ argv: ['sb-write-file', FORWARD_FILE, '@doc1'], inverse: [['sb-remove-file', FORWARD_FILE]], documents: [sysctlDoc(1)] }] },
    ];
    const r = runWithPrivateEtc(encodeRunnerInput(id, steps));
    expect(r.lines.at(-1)).toBe('SB end applied');
    expect(r.forward).toBe('1');
    expect(r.files).toEqual({ '99-switchboard-forwarding.conf': 'net.ipv4.ip_forward = 1\n' });
    expect(readdirSync(JOURNAL_DIR).filter((f) => f.startsWith(`${id}.`))).toEqual([`${id}.log`]);
  });

  it('a later failure rolls both back: the setting through its inverse document, the file back to its old content', () => {
    const id = newId();
    const steps: RunnerStep[] = [
      { commands: [{ argv: ['sysctl', '-q', '-p', '@doc1'], inverse: [['sysctl', '-q', '-p', '@doc2']], documents: [sysctlDoc(1), sysctlDoc(0)] }] },
      { commands: [{ argv: ['sb-write-file', FORWARD_FILE, '@doc1'], inverse: [['sb-write-file', FORWARD_FILE, '@doc2']], documents: [sysctlDoc(1), { shape: 'sysctl', text: '# kept\n' }] }] },
      { commands: [failing] },
    ];
    const r = runWithPrivateEtc(encodeRunnerInput(id, steps), { '99-switchboard-forwarding.conf': '# kept\n', 'other.conf': 'x = 1\n' });
    expect(r.lines.at(-1)).toBe('SB end rolled-back');
    expect(r.forward).toBe('0');
    expect(r.files).toEqual({ '99-switchboard-forwarding.conf': '# kept\n', 'other.conf': 'x = 1\n' });
  });

  it.each([
    ['a file outside the owned names', ['sb-write-file', '/etc/sysctl.d/other.conf', '@doc1'], 'refused: file /etc/sysctl.d/other.conf'],
    ['a path that climbs out', ['sb-write-file', '/etc/sysctl.d/99-switchboard-x/../../passwd.conf', '@doc1'], 'refused: file /etc/sysctl.d/99-switchboard-x/../../passwd.conf'],
    ['removing another file', ['sb-remove-file', '/etc/sysctl.d/other.conf'], 'refused: file /etc/sysctl.d/other.conf'],
    ['a document the command does not have', ['sysctl', '-q', '-p', '@doc2'], 'refused: no document 2 for this command'],
    ['a document given as a path', ['sb-write-file', FORWARD_FILE, '/etc/shadow'], 'refused: sb-write-file writes a document of the plan'],
  ])('refuses %s', (_, argv, message) => {
    const id = newId();
    // Written by hand: encodeRunnerInput would refuse these before they left the panel.
    const doc = Buffer.from('net.ipv4.ip_forward = 1\n').toString('base64');
    const r = runWithPrivateEtc(`${PLAN_MAGIC} ${id}\ndo 0 0 ${argv.join(' ')}\ndoc 0 0 1 ${doc}\nend\n`, { 'other.conf': 'x = 1\n' });
    expect(r.lines).toContain(`SB out 0 0 ${message}`);
    expect(r.lines.at(-1)).toBe('SB end rolled-back');
    expect(r.files).toEqual({ 'other.conf': 'x = 1\n' });
    expect(r.forward).toBe('0');
  });

  it.each([
    ['a document that is not base64', 'doc 0 0 1 @@not-base64@@'],
    ['a document numbered with a path', 'doc 0 0 ../1 bmV0'],
  ])('refuses %s before anything runs, and leaves no files', (_, docLine) => {
    const id = newId();
    const r = runWithPrivateEtc(`${PLAN_MAGIC} ${id}\ndo 0 0 sysctl -q -p @doc1\n${docLine}\nend\n`);
    expect(r.lines).toEqual(['SB error bad-document']);
    expect(r.status).toBe(64);
    expect(readdirSync(JOURNAL_DIR).filter((f) => f.startsWith(`${id}.`))).toEqual([]);
  });
});

describe('encodeRunnerInput', () => {
  it('writes the header, each command with its inverses, and end', () => {
    const steps: RunnerStep[] = [
      {
        commands: [
          { argv: ['ip', 'link', 'add', 'name', 'br9', 'type', 'bridge'], inverse: [['ip', 'link', 'del', 'dev', 'br9']] },
          { argv: ['ip', 'link', 'set', 'dev', 'br9', 'up'], inverse: [] },
        ],
      },
      { commands: [{ argv: ['bridge', 'vlan', 'add', 'dev', 'veth-a', 'vid', '10', 'pvid', 'untagged'], inverse: [['bridge', 'vlan', 'del', 'dev', 'veth-a', 'vid', '10'], ['ip', 'link', 'set', 'dev', 'veth-a', 'down']] }] },
    ];
    expect(encodeRunnerInput('abc123', steps)).toBe(
      [
        'SWITCHBOARD-PLAN 1 abc123',
        'do 0 0 ip link add name br9 type bridge',
        'undo 0 0 ip link del dev br9',
        'do 0 1 ip link set dev br9 up',
        'do 1 0 bridge vlan add dev veth-a vid 10 pvid untagged',
        'undo 1 0 bridge vlan del dev veth-a vid 10',
        'undo 1 0 ip link set dev veth-a down',
        'end',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['a space', ['ip', 'link', 'set', 'dev', 'a b', 'up']],
    ['a semicolon', ['ip', 'link', 'set', 'dev', 'a;b', 'up']],
    ['a command substitution', ['ip', 'link', 'set', 'dev', '$(touch /tmp/x)', 'up']],
    ['a newline (a forged plan line)', ['ip', 'link', 'set', 'dev', 'x\ndo 9 9 ip link del dev eth0', 'up']],
    ['an empty argument', ['ip', 'link', 'set', 'dev', '', 'up']],
    ['a hash', ['ip', 'link', 'set', 'dev', 'x#', 'up']],
    ['an option with its value in one word', ['ip', 'link', 'set', 'dev', '--x=y', 'up']],
    ['ovs-vsctl without its timeout', ['ovs-vsctl', 'del-br', 'x']],
  ])('throws on %s, in a command or an inverse', (_, bad) => {
    expect(() => encodeRunnerInput('abc', [{ commands: [{ argv: bad, inverse: [] }] }])).toThrow(/unsafe argument/);
    expect(() => encodeRunnerInput('abc', [{ commands: [{ argv: ['ip', 'link', 'set', 'dev', 'x', 'up'], inverse: [bad] }] }])).toThrow(/unsafe argument/);
  });

  it('writes each document of a command as base64 after its inverses, numbered from 1', () => {
    const text = '<network>\n  <name>lab</name>\n</network>';
    const input = encodeRunnerInput('abc', [{ commands: [{ argv: ['virsh', 'net-define', '@doc1'], inverse: [['virsh', 'net-undefine', 'lab']], documents: [{ shape: 'libvirt-network', text }] }] }]);
    expect(input.split('\n')).toEqual(['SWITCHBOARD-PLAN 1 abc', 'do 0 0 virsh net-define @doc1', 'undo 0 0 virsh net-undefine lab', `doc 0 0 1 ${Buffer.from(text).toString('base64')}`, 'end', '']);
  });

  it.each([
    ['a reference to a document the command does not have', ['virsh', 'net-define', '@doc2']],
    ['a reference with a path', ['virsh', 'net-define', '@doc1/x']],
    ['a reference numbered 0', ['virsh', 'net-define', '@doc0']],
  ])('throws on %s', (_, argv) => {
    expect(() => encodeRunnerInput('abc', [{ commands: [{ argv, inverse: [], documents: [{ shape: 'libvirt-network', text: '<network/>' }] }] }])).toThrow(/unsafe argument/);
  });

  it.each(['', 'a-b', 'a/b', '../x', 'a b', 'x$(id)'])('throws on change id %j', (id) => {
    expect(() => encodeRunnerInput(id, [])).toThrow(/bad change id/);
    expect(() => journalCommand(id)).toThrow(/bad change id/);
  });
});

describe('parseRunnerLine', () => {
  it.each<[string, RunnerEvent | null]>([
    ['SB begin abc 12', { type: 'begin', commands: 12 }],
    ['SB run 2 1', { type: 'run', step: 2, command: 1 }],
    ['SB out 2 1 Error: Nexthop has invalid gateway.  twice  spaced', { type: 'out', step: 2, command: 1, text: 'Error: Nexthop has invalid gateway.  twice  spaced' }],
    ['SB done 2 1 0 30', { type: 'done', step: 2, command: 1, exitCode: 0, ms: 30 }],
    ['SB undo-run 2 1 3', { type: 'undo-run', step: 2, command: 1, inverse: 3 }],
    ['SB undo-done 2 1 3 1 20', { type: 'undo-done', step: 2, command: 1, inverse: 3, exitCode: 1, ms: 20 }],
    ['SB end applied', { type: 'end', result: 'applied' }],
    ['SB end rolled-back', { type: 'end', result: 'rolled-back' }],
    ['SB end rollback-incomplete', { type: 'end', result: 'rollback-incomplete' }],
    ['SB end rolled-back-by-host', { type: 'end', result: 'rolled-back-by-host' }],
    ['SB await-confirm 30', { type: 'await-confirm', windowSeconds: 30 }],
    ['SB await-confirm', null],
    ['SB confirmed', { type: 'confirmed' }],
    ['SB unconfirmed 30', { type: 'unconfirmed', windowSeconds: 30 }],
    ['SB end exploded', null],
    ['SB busy', { type: 'busy' }],
    ['SB missing', { type: 'missing' }],
    ['SB error bad-header', { type: 'error', reason: 'bad-header' }],
    ['SB error', { type: 'error', reason: 'unknown' }],
    ['SB whatever 1', null],
    ['sh: 1: warning', null],
    ['', null],
    ['SBend applied', null],
  ])('%j', (line, event) => {
    expect(parseRunnerLine(line)).toEqual(event);
  });
});

describe('lineSplitter', () => {
  it('gives whole lines whatever the chunking, and the rest on flush', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('SB beg');
    expect(lines).toEqual([]);
    s.push('in x 2\nSB run 0 0\nSB do');
    expect(lines).toEqual(['SB begin x 2', 'SB run 0 0']);
    s.push('ne 0 0 0 1');
    s.push('0\n\n');
    expect(lines).toEqual(['SB begin x 2', 'SB run 0 0', 'SB done 0 0 0 10', '']);
    s.push('SB end applied');
    s.flush();
    s.flush();
    expect(lines.at(-1)).toBe('SB end applied');
    expect(lines).toHaveLength(5);
  });
});

it('RUNNER_COMMAND is the fixed script, and the script is plain POSIX sh', () => {
  expect(RUNNER_COMMAND).toEqual(['sh', '-c', RUNNER_SCRIPT, 'switchboard-apply']);
  const dash = spawnSync('sh', ['-n', '-c', RUNNER_SCRIPT], { encoding: 'utf8' });
  expect(dash.status).toBe(0);
  expect(dash.stderr).toBe('');
});

describe('tc through the runner (an empty namespace with a veth pair)', () => {
  // The HTB tree of parse/fixtures/real/tc/SOURCES.md on sbq0, in a fresh namespace each time.
  const TREE = [
    'ip link add sbq0 type veth peer name sbq1',
    'ip link set sbq0 up',
    'ip link set sbq1 up',
    'tc qdisc add dev sbq0 root handle 1: htb default 20',
    'tc class add dev sbq0 parent 1: classid 1:1 htb rate 20mbit ceil 20mbit burst 16k',
    'tc class add dev sbq0 parent 1:1 classid 1:10 htb rate 10mbit ceil 20mbit burst 16k prio 1',
    'tc class add dev sbq0 parent 1:1 classid 1:20 htb rate 5mbit ceil 20mbit prio 2',
    'tc qdisc add dev sbq0 parent 1:10 handle 10: tbf rate 10mbit burst 32kb latency 50ms',
    'tc qdisc add dev sbq0 parent 1:20 handle 20: pfifo limit 100',
    'tc filter add dev sbq0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.0/24 flowid 1:10',
    'tc filter add dev sbq0 parent 1: protocol ip prio 2 u32 match ip protocol 6 0xff match ip dport 80 0xffff flowid 1:20',
    'tc filter add dev sbq0 parent 1: protocol ipv6 prio 6 u32 match ip6 src 2001:db8:1::/48 match ip6 protocol 17 0xff match ip6 dport 53 0xffff flowid 1:20',
    'tc filter add dev sbq0 parent 1: protocol ip prio 10 u32 match ip dport 4789 0xffff flowid 1:10',
  ].join(' && ');
  /** tc's reads of the namespace as the probe frames them (filters only where htb classifies). */
  const READ = [
    'tc -j -s qdisc show',
    'echo ==',
    "printf 'dev sbq0\\n'; tc class show dev sbq0",
    'echo ==',
    "if tc qdisc show dev sbq0 | grep -q '^qdisc htb 1:'; then printf '@@filters sbq0 1:@@\\n'; tc -j filter show dev sbq0 parent 1:; fi",
  ].join('; ');
  const iproute2 = spawnSync('ip', ['-V'], { encoding: 'utf8' }).stdout.trim().replace(/^ip utility, /, '');

  function topologyOf(read: string): Topology {
    const [qdiscs = '', classes = '', filters = ''] = read.split('==\n');
    const t = namespaceTopology([makeInterface(2, 'sbq0', 'veth', { peer: 'sbq1' }), makeInterface(3, 'sbq1', 'veth', { peer: 'sbq0' })]);
    return { ...t, host: { ...t.host, iproute2 }, qdiscs: parseQdiscs(qdiscs).qdiscs, classes: parseClasses(classes), filters: parseFilters(filters).filters };
  }

  /** The tree as the model holds it, with u32's handles (the kernel's pick) left out as topology/diff.ts does. */
  const treeOf = (t: Topology) => {
    const tree = rootTreeOf(t, 'sbq0');
    return { ...tree, filters: tree.filters.map((f) => ({ ...f, handle: null })) };
  };

  /** Sets up the tree, runs the runner with `steps`, and reads tc afterwards. */
  function runOverTree(steps: RunnerStep[]): Run & { after: Topology } {
    // tc warns on stderr (HTB's quantum at 20 Mbit/s); stderr carries only the read afterwards.
    const outer = `{ ${TREE}; } 2>/dev/null || exit 99; "$@"; rc=$?; { ${READ}; } >&2; exit $rc`;
    const r = spawnSync('unshare', ['--net', 'sh', '-c', outer, 'outer', ...RUNNER_COMMAND], { input: encodeRunnerInput(newId(), steps), encoding: 'utf8', timeout: 10_000 });
    if (r.error) throw r.error;
    expect(r.status).not.toBe(99);
    const lines = r.stdout.split('\n').filter(Boolean);
    return { status: r.status, lines, events: lines.map(parseRunnerLine).filter((e): e is RunnerEvent => e !== null), links: [], after: topologyOf(r.stderr) };
  }

  const before = (() => {
    const r = spawnSync('unshare', ['--net', 'sh', '-c', `{ ${TREE}; } 2>/dev/null && { ${READ}; }`], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`the tree could not be set up: ${r.stderr}`);
    return topologyOf(r.stdout);
  })();

  const planned = (draft: Operation[]) => {
    const result = planChange(before, draft, '192.0.2.1');
    if (!result.ok) throw new Error(JSON.stringify(result.checks));
    return result.plan;
  };

  it('reads the tree it sets up (the classes, leaf qdiscs and filters the restore must bring back)', () => {
    const tree = treeOf(before);
    expect(tree.qdiscs.map((q) => `${q.kind} ${q.handle}`)).toEqual(['htb 1:', 'tbf 10:', 'pfifo 20:']);
    expect(tree.classes.map((c) => c.classid).sort()).toEqual(['10:1', '1:1', '1:10', '1:20']);
    expect(tree.filters.map((f) => f.match)).toEqual(['IPv4 dst 10.0.0.0/24', 'TCP dst port 80', 'IPv6 src 2001:db8:1::/48, UDP dst port 53', 'dst port 4789']);
  });

  it('runs a tc command: the HTB tree replaced by tbf, read back as the plan projected it', () => {
    const draft: Operation[] = [{ kind: 'setQdisc', dev: 'sbq0', qdisc: { kind: 'tbf', rateKbit: 10000, burstBytes: 32768, latencyMs: 50 } }];
    const plan = planned(draft);
    const r = runOverTree(plan.steps);
    expect(r.lines.at(-1)).toBe('SB end applied');
    expect(treeOf(r.after)).toEqual(treeOf(plan.intended));
    expect(differencesFromIntended(plan.intended, r.after, draft)).toEqual([]);
  });

  it('a failing command after it rolls back: the whole HTB tree is back, as it was read', () => {
    const plan = planned([{ kind: 'setQdisc', dev: 'sbq0', qdisc: { kind: 'htb', defaultClass: '1:30' } }]);
    const failingTc: PlannedCommand = { argv: ['tc', 'qdisc', 'add', 'dev', 'sbnosuch', 'root', 'pfifo'], inverse: [] };
    const r = runOverTree([...plan.steps, { commands: [failingTc] }]);
    expect(r.lines).toContain('SB out 1 0 Cannot find device "sbnosuch"');
    expect(r.lines.at(-1)).toBe('SB end rolled-back');
    expect(r.events.filter((e) => e.type === 'undo-done').every((e) => (e as { exitCode: number }).exitCode === 0)).toBe(true);
    expect(treeOf(r.after)).toEqual(treeOf(before));
  });

  it('removeQdisc leaves the kernel default; restoring the tree by Revert gives it back', () => {
    const removed = planned([{ kind: 'removeQdisc', dev: 'sbq0' }]);
    const r = runOverTree(removed.steps);
    expect(r.lines.at(-1)).toBe('SB end applied');
    expect(treeOf(r.after).qdiscs.map((q) => `${q.kind} ${q.handle}`)).toEqual(['noqueue 0:']);
    // Revert's restoreQdiscTree, run after the removal in the same namespace.
    const revert = planChange(r.after, [{ kind: 'restoreQdiscTree', dev: 'sbq0', tree: rootTreeOf(before, 'sbq0') }], '192.0.2.1');
    if (!revert.ok) throw new Error(JSON.stringify(revert.checks));
    const both = runOverTree([...removed.steps, ...revert.plan.steps]);
    expect(both.lines.at(-1)).toBe('SB end applied');
    expect(treeOf(both.after)).toEqual(treeOf(before));
  });
});

describe("an accept in libvirt's nft chain through the runner (libvirt 10's table in an empty namespace)", () => {
  /** Runs the runner in a fresh namespace that already holds libvirt's table for `lo`; reports what guest_input holds afterwards. */
  function runWithLibvirtTable(steps: RunnerStep[]) {
    const id = newId();
    const outer = 'nft -f - <<EOF\n' + libvirtNftDocument('lo', '10.88.0.0/24') + 'EOF\n"$@" < "$SB_PLAN"; rc=$?; nft list chain ip libvirt_network guest_input >&2; exit $rc';
    const planFile = path.join(mkdtempSync(path.join(tmpdir(), 'sb-nft-')), 'plan');
    writeFileSync(planFile, encodeRunnerInput(id, steps));
    const r = spawnSync('unshare', ['--net', 'sh', '-c', outer, 'outer', ...RUNNER_COMMAND], { env: { ...process.env, SB_PLAN: planFile }, encoding: 'utf8', timeout: 10_000 });
    const lines = r.stdout.split('\n').filter(Boolean);
    const chain = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('table') && !l.startsWith('chain') && l !== '}');
    return { lines, events: lines.map(parseRunnerLine).filter((e): e is RunnerEvent => e !== null), chain };
  }
  const accept = (port: number, changeId: string): ForwardAccept => ({ tool: 'nft', protocol: 'tcp', toAddress: '10.88.0.5', toPort: port, outInterface: 'lo', changeId });
  const ruleOf = (a: ForwardAccept) => `oifname "lo" ip daddr 10.88.0.5 tcp dport ${a.toPort} ct status dnat accept comment "switchboard:${a.changeId}"`;
  const LIBVIRTS = ['oif "lo" ip daddr 10.88.0.0/24 ct state established,related counter packets 0 bytes 0 accept', 'oif "lo" counter packets 0 bytes 0 reject'];

  it('inserts accepts on top and deletes exactly the one a document names (another with the same comment stays)', () => {
    const [a80, a443] = [accept(80, 'c1'), accept(443, 'c1')];
    const r = runWithLibvirtTable([{ commands: [forwardAcceptCommand(a80, true)] }, { commands: [forwardAcceptCommand(a443, true)] }, { commands: [forwardAcceptCommand(a80, false)] }]);
    expect(endOf(r as unknown as Run)).toEqual({ type: 'end', result: 'applied' });
    expect(r.chain).toEqual([ruleOf(a443), ...LIBVIRTS]);
  });

  it('undoes the insert by deleting the rule again when a later step fails, and says so when the rule to delete is gone', () => {
    const r = runWithLibvirtTable([{ commands: [forwardAcceptCommand(accept(80, 'c2'), true)] }, { commands: [failing] }]);
    expect(endOf(r as unknown as Run)).toEqual({ type: 'end', result: 'rolled-back' });
    expect(r.events.filter((e) => e.type === 'undo-done').map((e) => (e as { exitCode: number }).exitCode)).toEqual([0]);
    expect(r.chain).toEqual(LIBVIRTS);
    const missing = runWithLibvirtTable([{ commands: [forwardAcceptCommand(accept(80, 'c3'), false)] }]);
    expect(missing.lines).toContain(`SB out 0 0 ip libvirt_network guest_input has no rule ${ruleOf(accept(80, 'c3'))}`);
    expect(endOf(missing as unknown as Run)).toEqual({ type: 'end', result: 'rolled-back' });
  });

  it('refuses a document that names another chain (its own check, whatever the panel sent)', () => {
    const id = newId();
    const doc = Buffer.from('insert rule ip filter FORWARD accept\n').toString('base64');
    const r = run(`${PLAN_MAGIC} ${id}\ndo 0 0 sb-delete-nft-rule @doc1\ndoc 0 0 1 ${doc}\nend\n`);
    expect(r.lines).toContain('SB out 0 0 refused: sb-delete-nft-rule deletes only an accept in ip libvirt_network guest_input');
    expect(r.events.find((e) => e.type === 'done')).toMatchObject({ exitCode: 126 });
  });
});
