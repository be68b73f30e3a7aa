// Starts the panel exactly as a newcomer does (`npm start`, i.e. scripts/start.sh) on a
// scratch SQLite database, and captures the one-time setup link it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const E2E_DIR = path.resolve('test-results/e2e-panel');
const STATE_FILE = path.join(E2E_DIR, 'state.json');

export interface PanelState {
  pid: number;
  baseURL: string;
  setupLink: string;
  databaseFile: string;
}

export function readPanelState(): PanelState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as PanelState;
}

/** The panel's secret in tests and benchmarks: a benchmark that fills the database itself uses it too. */
export const PANEL_SECRET = 'e2e-secret-'.padEnd(48, 'e');

/**
 * `databaseFile`: an SQLite file that already holds what a benchmark put there (its hosts), instead
 * of a new one.
 */
export async function startPanel(port: number, { databaseFile: existing }: { databaseFile?: string } = {}): Promise<PanelState> {
  rmSync(E2E_DIR, { recursive: true, force: true });
  mkdirSync(E2E_DIR, { recursive: true });
  const databaseFile = existing ?? path.join(E2E_DIR, 'panel.db');
  const log = path.join(E2E_DIR, 'server.log');
  const child: ChildProcess = spawn('bash', ['scripts/start.sh'], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: `file:${databaseFile}`,
      SWITCHBOARD_SECRET: PANEL_SECRET,
      SWITCHBOARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so teardown stops next as well
  });
  let output = '';
  const setupLink = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the panel printed no setup link within 5 minutes; see ${log}`)), 300_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      writeFileSync(log, output);
      const m = /(https?:\/\/\S+\/setup\S*)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code} before printing the setup link:\n${output.slice(-3000)}`));
    });
  });
  const state = { pid: child.pid!, baseURL: `http://127.0.0.1:${port}`, setupLink, databaseFile };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  child.unref();
  return state;
}

export function stopPanel(): void {
  try {
    const { pid } = readPanelState();
    process.kill(-pid, 'SIGTERM');
  } catch {
    // not started or already gone
  }
}
