import { authorizeLabKey, ensureLab } from '../lab/testing';
import { createPanelPool } from '../server/hosts/panel-pool';
import { sshTargetOf } from '../server/hosts/hosts';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { openTestDatabase } from '../server/testing/database';
import { PROBE_COMMAND, probeScript } from '../server/topology/probe';

async function main() {
  process.env.SWITCHBOARD_SECRET ??= 'bench-secret-'.padEnd(48, 'b');
  const t = await openTestDatabase('sqlite');
  const identity = await ensurePanelIdentity(t.db);
  const n = Number(process.argv[2] ?? 50);
  const light = await ensureLab({ hosts: n, light: true });
  await authorizeLabKey(identity.publicKey);
  const rows = [];
  for (const h of light) rows.push(await t.db.host.create({ data: { name: h.name, address: h.address, hostKeyFingerprint: await h.hostKeyFingerprint(), hostKeyType: 'ssh-ed25519', pinnedAt: new Date() } }));
  for (const details of [true, false, true]) {
    const pool = createPanelPool(t.db);
    const t0 = performance.now();
    const res = await Promise.all(rows.map(async (r) => {
      const s = performance.now();
      try { await pool.exec(sshTargetOf(r), PROBE_COMMAND, { stdin: probeScript({ details }), timeoutMs: 60_000 }); return performance.now() - s; } catch (e) { return -1; }
    }));
    console.log('details', details, 'total', Math.round(performance.now() - t0), 'max', Math.round(Math.max(...res)), 'failed', res.filter((x) => x < 0).length);
    pool.closeAll();
  }
  await t.close();
}
void main();
