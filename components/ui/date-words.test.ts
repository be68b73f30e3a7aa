import { describe, expect, it } from 'vitest';
import { isoDate, isoDateTime, isoTime, offsetInWords } from './date-words';

describe('dates written one way', () => {
  it('writes the local date and time in ISO 8601 order with the offset named', () => {
    // 3 December: a locale's short form would read 12/3 or 3/12.
    const d = new Date(2026, 11, 3, 9, 5, 7);
    expect(isoDate(d)).toBe('2026-12-03');
    expect(isoTime(d)).toBe('09:05:07');
    expect(isoDateTime(d)).toMatch(/^2026-12-03 09:05:07 (UTC|[+-]\d\d:\d\d)$/);
  });

  it('names an offset east and west of UTC', () => {
    const at = (offsetMinutes: number) => ({ getTimezoneOffset: () => offsetMinutes }) as Date;
    expect(offsetInWords(at(0))).toBe('UTC');
    expect(offsetInWords(at(-60))).toBe('+01:00');
    expect(offsetInWords(at(330))).toBe('-05:30');
  });
});
