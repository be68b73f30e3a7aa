// Security events in the audit trail: sign-ins, accounts, hosts and their keys, acknowledged
// outside changes. They go on the same hash chain as changes, so an auditor verifies one trail
// and a removed sign-in record breaks it like a removed change record would.
//
// Each is appended after the action it records has been committed (an action that failed is
// not an event, except the refusals listed here). A panel killed between the two loses that one
// record; the action itself is still visible in its own table (users, hosts, host events).
import { canonicalText } from '@/server/canonical';
import { csvText } from '@/server/csv';
import type { Db } from '@/server/db/client';
import { appendAudit } from './records';
import { SECURITY_EVENT_GROUPS, SECURITY_EVENT_KINDS, SECURITY_EVENTS, type SecurityEventGroup, type SecurityEventKind } from './event-kinds';

export { SECURITY_EVENT_GROUPS, SECURITY_EVENT_KINDS, SECURITY_EVENTS, type SecurityEventGroup, type SecurityEventKind };

export interface SecurityEvent {
  kind: SecurityEventKind;
  /** Who did it; null for a failed sign-in (nobody is known) or the panel itself (a refused key). */
  actor: { id: string; username: string } | null;
  hostId?: string | null;
  /** What it concerns, in plain fields: the user's name, the address a request came from, fingerprints. Never a secret. */
  content: Record<string, unknown>;
}

export async function recordSecurityEvent(db: Db, event: SecurityEvent): Promise<void> {
  await appendAudit(db, {
    kind: event.kind,
    changeId: null,
    hostId: event.hostId ?? null,
    actor: event.actor ? { id: event.actor.id, name: event.actor.username } : null,
    content: event.content,
  });
}


export interface SecurityEventFilter {
  group?: SecurityEventGroup;
  /** The user who acted, or whose name a failed sign-in used. */
  user?: string;
  from?: Date;
  to?: Date;
  take?: number;
  /** seq of the last record of the previous page (newer ones come first). */
  cursor?: number;
}

export interface SecurityEventView {
  seq: number;
  kind: SecurityEventKind;
  /** What happened, in words: "role changed". */
  label: string;
  actorName: string | null;
  hostId: string | null;
  content: Record<string, unknown>;
  at: Date;
  hash: string;
}

/** Newest first, in pages; filters by group, user (actor or the name a sign-in used) and dates. */
export async function listSecurityEvents(db: Db, f: SecurityEventFilter): Promise<{ items: SecurityEventView[]; nextCursor: number | null }> {
  const take = f.take ?? 100;
  const kinds: readonly string[] = f.group ? SECURITY_EVENT_GROUPS[f.group] : SECURITY_EVENT_KINDS;
  const rows = await db.auditRecord.findMany({
    where: {
      kind: { in: [...kinds] },
      ...(f.cursor ? { seq: { lt: f.cursor } } : {}),
      ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
      // Content is canonical JSON, so `"username":"x"` is an exact field match.
      ...(f.user ? { OR: [{ actorName: f.user }, { content: { contains: `"username":${JSON.stringify(f.user)}` } }] } : {}),
    },
    orderBy: { seq: 'desc' },
    take: take + 1,
  });
  const items = rows.slice(0, take).map((r) => ({
    seq: r.seq,
    kind: r.kind as SecurityEventKind,
    label: SECURITY_EVENTS[r.kind as SecurityEventKind] ?? r.kind,
    actorName: r.actorName,
    hostId: r.hostId,
    content: JSON.parse(r.content) as Record<string, unknown>,
    at: r.at,
    hash: r.hash,
  }));
  return { items, nextCursor: rows.length > take ? items.at(-1)!.seq : null };
}

/** Every event the filter matches, page by page (an export never stops at a page size). */
export async function allSecurityEvents(db: Db, f: Omit<SecurityEventFilter, 'take' | 'cursor'>): Promise<SecurityEventView[]> {
  const out: SecurityEventView[] = [];
  for (let cursor: number | undefined; ; ) {
    const page = await listSecurityEvents(db, { ...f, take: 500, cursor });
    out.push(...page.items);
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/** The security events an auditor downloads: JSON with every field, or CSV for a spreadsheet. */
export async function exportSecurityEvents(db: Db, f: Omit<SecurityEventFilter, 'take' | 'cursor'>, format: 'json' | 'csv'): Promise<{ filename: string; mimeType: string; body: string }> {
  const events = await allSecurityEvents(db, f);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (format === 'csv') {
    const rows = events.map((e) => [String(e.seq), e.at.toISOString(), e.kind, e.label, e.actorName ?? '', e.hostId ?? '', canonicalText(e.content), e.hash]);
    return { filename: `switchboard-security-events-${stamp}.csv`, mimeType: 'text/csv', body: csvText(['seq', 'at', 'kind', 'what', 'user', 'host_id', 'details', 'hash'], rows) };
  }
  return { filename: `switchboard-security-events-${stamp}.json`, mimeType: 'application/json', body: JSON.stringify({ exportedAt: new Date(), filter: f, events }, null, 2) };
}
