// `npm run audit:verify`: checks the whole audit hash chain of the configured database and
// exits non-zero, naming each broken record, if anything was altered or removed.
import { verifyAuditChain } from '@/server/audit/records';
import { getDb } from '@/server/db/client';

// The same database `npm start` uses (DATABASE_URL, else the embedded SQLite file).
const db = await getDb();
const report = await verifyAuditChain(db).catch((err: unknown) => {
  if ((err as { code?: string }).code === 'P2021') {
    console.error('This database has no audit trail yet: start the panel once (`npm start`) to create it.');
    process.exit(2);
  }
  throw err;
});
if (report.intact) {
  console.log(`audit chain intact: ${report.records} records checked`);
} else {
  console.error(`audit chain BROKEN (${report.records} records checked):`);
  for (const p of report.problems) console.error(`  record ${p.seq}: ${p.problem}`);
  for (const m of report.mismatchedChanges) console.error(`  change ${m.changeId}: ${m.problem}`);
}
await db.$disconnect();
process.exit(report.intact ? 0 : 1);
