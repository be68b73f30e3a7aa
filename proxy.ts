// Runs before every page: records the path and query asked for, so a signed-out visitor is sent
// back there after signing in (server/auth/page-session.ts). The header is always overwritten,
// so a client cannot set it; the sign-in form checks the path again (safeReturnPath).
import { NextResponse, type NextRequest } from 'next/server';
import { REQUESTED_PATH_HEADER } from '@/server/auth/return-path';

export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set(REQUESTED_PATH_HEADER, `${request.nextUrl.pathname}${request.nextUrl.search}`);
  return NextResponse.next({ request: { headers } });
}

// Pages only: not the API, Next's own assets or files.
export const config = { matcher: ['/((?!api/|_next/|favicon\\.ico|icon\\.svg).*)'] };
