/** `?every=N` seconds between dashboard reads: 5 by default, 2 to 300. */
export function parseEverySeconds(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 2 && n <= 300 ? n : 5;
}

/** `?host=ID`: the one host a dashboard or kiosk shows, or undefined for all. */
export function parseHostParam(raw: string | undefined): string | undefined {
  return typeof raw === 'string' && raw ? raw : undefined;
}
