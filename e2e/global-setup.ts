import { E2E_PORT } from '../playwright.config';
import { ensureLab } from '../lab/testing';
import { startPanel } from './panel-server';

export default async function globalSetup() {
  await ensureLab({ hosts: 2 });
  await startPanel(E2E_PORT);
}
