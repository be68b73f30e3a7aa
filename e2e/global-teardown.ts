import { stopPanel } from './panel-server';

export default async function globalTeardown() {
  stopPanel();
}
