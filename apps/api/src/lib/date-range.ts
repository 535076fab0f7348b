import { ApiError } from '../errors/api-error.js';

/**
 * The date bounds of GET /logs as the client named them: `start`/`end` and `startdate`/`enddate`
 * are the original design's names for `from`/`to`.
 */
export interface DateRangeQuery {
  from?: string | undefined;
  to?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  startdate?: string | undefined;
  enddate?: string | undefined;
}

/** The names of each bound, ours first. */
export const BOUND_NAMES = {
  from: ['from', 'start', 'startdate'],
  to: ['to', 'end', 'enddate'],
} as const satisfies Record<string, readonly (keyof DateRangeQuery)[]>;

/** Bounds for the log query: `from` inclusive, `before` exclusive. */
export interface DateRange {
  from?: Date;
  before?: Date;
}

const DAY_MS = 24 * 3600 * 1000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;
const EXPECTED = 'expected a day such as 2026-11-22 or an ISO-8601 instant such as 2026-11-22T01:02:03Z';

/**
 * Reads `from`/`to` (or `start`/`end`, or `startdate`/`enddate`). A day (`YYYY-MM-DD`, UTC) covers the whole day on either
 * side; an instant is inclusive too. Both bounds are optional. Every year from 0000 to 9999 is a
 * year: `to=9999-12-31` is a real bound (beyond every row), not an error.
 *
 * @throws ApiError INVALID_DATE_RANGE naming the parameter that is wrong.
 */
export function parseDateRange(query: DateRangeQuery): DateRange {
  const lower = pick(query, BOUND_NAMES.from);
  const upper = pick(query, BOUND_NAMES.to);
  const range: DateRange = {};
  let last: Date | undefined;
  if (lower) range.from = parseBound(lower.name, lower.value).first;
  if (upper) {
    const bound = parseBound(upper.name, upper.value);
    last = bound.last;
    range.before = new Date(bound.last.getTime() + 1);
  }
  if (range.from && last && range.from > last) {
    throw new ApiError(
      'INVALID_DATE_RANGE',
      `${lower?.name} (${lower?.value}) is after ${upper?.name} (${upper?.value}): swap them`,
    );
  }
  return range;
}

// The bound under whichever of its names the client gave; two names with different values are refused.
function pick(query: DateRangeQuery, names: readonly (keyof DateRangeQuery)[]) {
  const given = names.flatMap((name) => {
    const value = query[name];
    return value === undefined ? [] : [{ name, value }];
  });
  const [first] = given;
  const other = given.find((bound) => bound.value !== first?.value);
  if (first && other) {
    throw new ApiError(
      'INVALID_DATE_RANGE',
      `${first.name} and ${other.name} name the same bound: give only one of them`,
    );
  }
  return first;
}

/** The first and last millisecond a bound covers. */
function parseBound(name: string, value: string): { first: Date; last: Date } {
  const day = DAY.exec(value);
  if (day) {
    const first = utcDay(day[1], day[2], day[3]);
    if (first) return { first, last: new Date(first.getTime() + DAY_MS - 1) };
  }
  const instant = INSTANT.exec(value);
  if (instant && utcDay(instant[1], instant[2], instant[3]) && validTime(instant)) {
    const at = new Date(value);
    if (!Number.isNaN(at.getTime())) return { first: at, last: at };
  }
  throw new ApiError('INVALID_DATE_RANGE', `${name}=${JSON.stringify(value)} is not a date: ${EXPECTED}`);
}

// A calendar day that exists (Date would roll 2026-02-30 over into March). setUTCFullYear, unlike
// Date.UTC, takes years 0 to 99 as they are rather than as 1900 to 1999.
function utcDay(year?: string, month?: string, day?: string): Date | null {
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  const same =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day);
  return same ? date : null;
}

function validTime(match: RegExpExecArray): boolean {
  return Number(match[4]) < 24 && Number(match[5]) < 60 && Number(match[6] ?? 0) < 60;
}
