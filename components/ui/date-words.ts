// Dates and times written one way everywhere (issue 14): ISO 8601 order in the reader's local
// time with its offset named ("2026-12-03 10:25:16 UTC", "2026-12-03 11:25:16 +01:00"), never a
// locale's "12/03/2026" that reads as March in one country and December in another.

const pad = (n: number) => String(n).padStart(2, '0');

/** "UTC", or the local offset as "+01:00" / "-05:30". */
export function offsetInWords(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '-';
  const m = Math.abs(minutes);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** "2026-12-03" (local). */
export const isoDate = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** "10:25:16" (local, 24 hours). */
export const isoTime = (d: Date): string => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/** "2026-12-03 10:25:16 UTC": date, time and offset. */
export const isoDateTime = (d: Date): string => `${isoDate(d)} ${isoTime(d)} ${offsetInWords(d)}`;
