/**
 * Run by scripts/start.sh before the server starts: when no user exists, issue a fresh
 * one-time setup token and print the link that creates the first admin. Prints nothing once
 * an admin exists. The token itself is stored only as a SHA-256 digest.
 */
import { createDb } from '../server/db/client';
import { issueSetupToken, setupLink } from '../server/auth/setup';

async function main() {
  const baseUrl = process.env.SWITCHBOARD_PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`;
  const db = await createDb();
  try {
    const token = await issueSetupToken(db);
    if (!token) return;
    const line = '='.repeat(78);
    console.log(`\n${line}\n No users exist yet. Open this one-time link to create the first admin:\n\n   ${setupLink(baseUrl, token)}\n\n It stops working once used; restarting the panel replaces it.\n${line}\n`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((error) => {
  console.error('setup link:', error instanceof Error ? error.message : error);
  process.exit(1);
});
