// A panel instance in its own process, for the "panel killed mid-apply" test: it applies one
// reviewed change and prints `started <changeId>` once the write-ahead record exists. The test
// kills it with SIGKILL while the runner works on the host. Usage:
//   tsx server/changes/apply-child.ts <DATABASE_URL> <changeId> <userId> <username>
import { createDb } from '@/server/db/client';
import { resolveDatabaseTarget } from '@/server/db/url';
import { createPanelPool } from '@/server/hosts/panel-pool';
import { startApply } from './apply';

const [url, changeId, userId, username] = process.argv.slice(2) as [string, string, string, string];
const db = await createDb(resolveDatabaseTarget({ DATABASE_URL: url }));
const pool = createPanelPool(db);
const { finished } = await startApply(db, pool, { id: userId, username }, { changeId, reason: 'killed mid-apply (test)', confirmDisruptive: false });
console.log(`started ${changeId}`);
await finished;
console.log('finished');
process.exit(0);
