import { describe, expect, it } from 'vitest';
import { newScheduleSchema, nextRunOf } from './schedule.js';

const at = (iso: string) => new Date(iso);

describe('nextRunOf', () => {
  it('answers when a schedule fires next after the given time, in its time zone', () => {
    expect(nextRunOf('0 3 * * *', 'Europe/Paris', at('2026-12-06T12:00:00.000Z'))).toEqual({
      at: at('2026-12-07T02:00:00.000Z'),
      problem: null,
    });
  });

  it('takes an every-second schedule: the contract allows 6 fields with seconds', () => {
    expect(nextRunOf('* * * * * *', 'UTC', at('2026-12-06T12:00:00.000Z'))).toEqual({
      at: at('2026-12-06T12:00:01.000Z'),
      problem: null,
    });
  });

  it('names a cron expression that parses but never fires (31 February or April) instead of throwing', () => {
    expect(nextRunOf('0 0 31 2,4 *', 'UTC', at('2026-12-06T12:00:00.000Z'))).toEqual({
      at: null,
      problem: 'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
    });
  });

  it('takes days of the month that only some of its months have, or a day of the week beside them', () => {
    const from = at('2026-12-06T12:00:00.000Z');
    expect(nextRunOf('0 0 30,31 2,4 *', 'UTC', from)).toEqual({
      at: at('2027-04-30T00:00:00.000Z'),
      problem: null,
    });
    // Day of month and day of week combine with OR: Mondays of February and April.
    expect(nextRunOf('0 0 31 2,4 1', 'UTC', from)).toEqual({
      at: at('2027-02-01T00:00:00.000Z'),
      problem: null,
    });
    expect(nextRunOf('0 0 L 2,4 *', 'UTC', from)).toEqual({
      at: at('2027-02-28T00:00:00.000Z'),
      problem: null,
    });
  });

  it('names one that fires only in the far future: the 5th Monday of February is next in 2044', () => {
    expect(nextRunOf('0 0 * 2 1#5', 'UTC', at('2026-12-06T12:00:00.000Z'))).toEqual({
      at: null,
      problem: 'The cron expression "0 0 * 2 1#5" does not fire within the next 10 years (time zone UTC)',
    });
    expect(nextRunOf('0 0 * 2 1#5', 'UTC', at('2035-01-01T00:00:00.000Z'))).toEqual({
      at: at('2044-02-29T00:00:00.000Z'),
      problem: null,
    });
  });

  it('takes 29 February even across its longest wait, 2096 to 2104', () => {
    expect(nextRunOf('0 0 29 2 *', 'UTC', at('2096-03-01T00:00:00.000Z'))).toEqual({
      at: at('2104-02-29T00:00:00.000Z'),
      problem: null,
    });
  });

  it('names a cron expression or a time zone that cannot be read, as a row written by hand may hold', () => {
    expect(nextRunOf('61 * * * *', 'UTC')).toEqual({
      at: null,
      problem:
        'The cron expression "61 * * * *" cannot run: Constraint error, got value 61 expected range 0-59',
    });
    expect(nextRunOf('0 3 * * *', 'Mars/Olympus')).toEqual({
      at: null,
      problem: 'The time zone must be an IANA name such as Europe/Paris or UTC: got "Mars/Olympus"',
    });
  });
});

describe('newScheduleSchema', () => {
  it('refuses a cron expression that never fires with the INVALID_SCHEDULE code and the reason', () => {
    const parsed = newScheduleSchema.safeParse({ folder: 'f', cron: '0 0 31 2,4 *', tz: 'Europe/Paris' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      {
        code: 'custom',
        path: ['cron'],
        message: 'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
        params: { code: 'INVALID_SCHEDULE' },
      },
    ]);
  });

  it('reports a cron expression that cannot be read once, not again as one that never fires', () => {
    const parsed = newScheduleSchema.safeParse({ folder: 'f', cron: '61 * * * *' });
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual([
      'The cron expression "61 * * * *" cannot run: Constraint error, got value 61 expected range 0-59',
    ]);
  });
});
