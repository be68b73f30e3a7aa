/**
 * Run by scripts/start.sh after migrations and before the server starts:
 *  - makes sure the panel's SSH identity exists (ed25519, generated on first start, sealed
 *    under the master key, which itself is created on first start when SWITCHBOARD_SECRET
 *    is unset);
 *  - when no user exists, issues a fresh one-time setup token and prints the link that
 *    creates the first admin. Prints nothing once an admin exists.
 */
import { createDb } from '../server/db/client';
import { issueSetupToken, setupLink } from '../server/auth/setup';
import { ensurePanelIdentity } from '../server/ssh/identity';
import { isAppError } from '../server/errors';

async function main() {
  const baseUrl = process.env.SWITCHBOARD_PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`;
  const db = await createDb();
  try {
    const identity = await ensurePanelIdentity(db);
    console.error(`[start] panel SSH key ${identity.fingerprint}`);
    const token = await issueSetupToken(db);
    if (!token) return;
    const line = '='.repeat(78);
    console.log(`\n${line}\n No users exist yet. Open this one-time link to create the first admin:\n\n   ${setupLink(baseUrl, token)}\n\n It stops working once used; restarting the panel replaces it.\n${line}\n`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error) => {
  console.error('[start]', isAppError(error) ? error.userMessage : error instanceof Error ? error.message : error);
  process.exit(1);
});
