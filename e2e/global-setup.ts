import { E2E_PORT } from '../playwright.config';
import { ensureLab, ensureVmLab } from '../lab/testing';
import { startPanel } from './panel-server';

export default async function globalSetup() {
  await ensureLab({ hosts: 2 });
  // real-kernel.spec.ts: kv1 (restored from its snapshot in seconds once its image exists).
  await ensureVmLab({ vmHosts: 1 });
  await startPanel(E2E_PORT);
}
