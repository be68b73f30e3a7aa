// Where the sign-in page sends someone back to: the page they opened while signed out (issue 14).
// Pure, and shared by the proxy that records the path, the server side that redirects to the
// sign-in page, and the form that returns.

/** The request header the proxy (proxy.ts) sets to the path and query a page was asked for. */
export const REQUESTED_PATH_HEADER = 'x-switchboard-requested-path';

/** Longer than any page of the panel; a longer "next" is not one of ours. */
const MAX_PATH = 2000;

/**
 * A path on this panel to return to after signing in, or null. Only a path of this origin
 * ("/hosts/hv1?node=if:eth0"): never another site ("//evil.example", "/\\evil.example",
 * "https://…"), never control characters, never the sign-in or setup pages themselves.
 */
export function safeReturnPath(path: string | null | undefined): string | null {
  if (!path || path.length > MAX_PATH) return null;
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return null;
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  if (/^\/(sign-in|setup)(?:[/?#]|$)/.test(path) || path === '/') return null;
  return path;
}

/** The sign-in page's address, with where to return when there is somewhere worth returning to. */
export const signInPath = (requested: string | null | undefined): string => {
  const next = safeReturnPath(requested);
  return next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in';
};
