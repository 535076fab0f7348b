import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/api-error.js';
import { parseDateRange } from './date-range.js';

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

// The calendar, computed here without Date: the expected values never come from the code under test.
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysIn = (y: number, m: number) =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const day = fc
  .record({
    y: fc.integer({ min: 0, max: 9999 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
  })
  .filter(({ y, m, d }) => d <= daysIn(y, m))
  .map(({ y, m, d }) => ({ text: `${pad(y, 4)}-${pad(m)}-${pad(d)}`, ms: daysFromCivil(y, m, d) * DAY_MS }));

const zone = fc.oneof(
  fc.constant({ text: 'Z', ms: 0 }),
  fc
    .record({
      sign: fc.constantFrom(1, -1),
      h: fc.integer({ min: 0, max: 14 }),
      m: fc.constantFrom(0, 15, 30, 45),
      colon: fc.boolean(),
    })
    .map(({ sign, h, m, colon }) => ({
      text: `${sign > 0 ? '+' : '-'}${pad(h)}${colon ? ':' : ''}${pad(m)}`,
      ms: sign * (h * 3600 + m * 60) * 1000,
    })),
);

const instant = fc
  .record({
    day,
    h: fc.integer({ min: 0, max: 23 }),
    min: fc.integer({ min: 0, max: 59 }),
    s: fc.option(fc.integer({ min: 0, max: 59 })),
    fraction: fc.option(fc.stringMatching(/^\d{1,3}$/)),
    zone,
  })
  .map(({ day, h, min, s, fraction, zone }) => {
    const seconds = s === null ? '' : `:${pad(s)}${fraction === null ? '' : `.${fraction}`}`;
    const ms = s === null || fraction === null ? 0 : Number(fraction.padEnd(3, '0'));
    return {
      text: `${day.text}T${pad(h)}:${pad(min)}${seconds}${zone.text}`,
      ms: day.ms + (h * 3600 + min * 60 + (s ?? 0)) * 1000 + ms - zone.ms,
    };
  });

function refusedCode(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('parseDateRange, on generated dates', () => {
  it('reads every real day of the years 0000 to 9999 as the whole UTC day', () => {
    fc.assert(
      fc.property(day, ({ text, ms }) => {
        expect(parseDateRange({ from: text, to: text })).toEqual({
          from: new Date(ms),
          before: new Date(ms + DAY_MS),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every instant with a zone as that instant, inclusive on both sides', () => {
    fc.assert(
      fc.property(instant, ({ text, ms }) => {
        expect(parseDateRange({ from: text, end: text })).toEqual({
          from: new Date(ms),
          before: new Date(ms + 1),
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses days that are not in the calendar with INVALID_DATE_RANGE', () => {
    const notADay = fc
      .record({
        y: fc.integer({ min: 0, max: 9999 }),
        m: fc.integer({ min: 0, max: 99 }),
        d: fc.integer({ min: 0, max: 99 }),
      })
      .filter(({ y, m, d }) => m < 1 || m > 12 || d < 1 || d > daysIn(y, m))
      .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
    fc.assert(
      fc.property(notADay, fc.constantFrom('from', 'to', 'start', 'end'), (text, name) => {
        expect(refusedCode(() => parseDateRange({ [name]: text }))).toBe('INVALID_DATE_RANGE');
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses instants with a time out of range or no zone with INVALID_DATE_RANGE', () => {
    const spoiled = fc
      .tuple(instant, fc.constantFrom('hour', 'minute', 'second', 'zone'), fc.integer({ min: 60, max: 99 }))
      .map(([{ text }, how, n]) => {
        const [date, rest] = text.split('T') as [string, string];
        const time = rest.replace(/(Z|[+-]\d{2}:?\d{2})$/, '');
        const [h, m] = time.split(':') as [string, string];
        if (how === 'hour') return `${date}T${n - 36}:${m}Z`;
        if (how === 'minute') return `${date}T${h}:${n}Z`;
        if (how === 'second') return `${date}T${h}:${m}:${n}Z`;
        return `${date}T${time}`;
      });
    fc.assert(
      fc.property(spoiled, (text) => {
        expect(refusedCode(() => parseDateRange({ from: text }))).toBe('INVALID_DATE_RANGE');
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses any text that is neither a day nor an instant with INVALID_DATE_RANGE', () => {
    const text = fc.string({ maxLength: 40 }).filter((s) => !/^\d{4}-\d{2}-\d{2}(T|$)/.test(s));
    fc.assert(
      fc.property(text, (value) => {
        expect(refusedCode(() => parseDateRange({ to: value }))).toBe('INVALID_DATE_RANGE');
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts any two bounds in order and refuses them swapped', () => {
    fc.assert(
      fc.property(fc.oneof(day, instant), fc.oneof(day, instant), (a, b) => {
        const lastOf = (x: { text: string; ms: number }) => (x.text.includes('T') ? x.ms : x.ms + DAY_MS - 1);
        const inOrder = a.ms <= lastOf(b);
        expect(refusedCode(() => parseDateRange({ from: a.text, to: b.text }))).toBe(
          inOrder ? null : 'INVALID_DATE_RANGE',
        );
      }),
      { numRuns: 2000 },
    );
  });
});
