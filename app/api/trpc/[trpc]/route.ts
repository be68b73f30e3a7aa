import { handleTrpcRequest } from '@/server/api/http';
import { getDb } from '@/server/db/client';

// Prisma, argon2 and better-sqlite3 need Node, and answers depend on the session cookie.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const handler = (req: Request) => handleTrpcRequest(req, { db: getDb });

export { handler as GET, handler as POST };
