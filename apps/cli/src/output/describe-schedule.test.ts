import { describe, expect, it } from 'vitest';
import type { Schedule } from '../api/types.js';
import { describeSchedule, nextRunText } from './describe-schedule.js';

const ID = '0b7f3c1e-5d2a-4f8e-9c61-3a4b5c6d7e8f';

function scheduleOf(fields: Partial<Schedule> = {}): Schedule {
  return {
    id: ID,
    kind: 'backup',
    folder: 'photos/2024',
    readData: null,
    cron: '0 3 * * *',
    tz: 'Europe/Paris',
    paused: false,
    createdAt: '2026-11-22T01:02:03.456Z',
    updatedAt: '2026-11-22T01:02:03.456Z',
    nextRunAt: '2026-11-23T02:00:00.000Z',
    error: null,
    ...fields,
  };
}

describe('describeSchedule', () => {
  it('names an active schedule by id and folder, with its cron, zone and next run', () => {
    expect(describeSchedule(scheduleOf())).toBe(
      `schedule ${ID} photos/2024: active, "0 3 * * *" in Europe/Paris, next run 2026-11-23T02:00:00.000Z`,
    );
  });

  it('names a prune schedule and a check schedule by what they do, with what the check reads', () => {
    expect(describeSchedule(scheduleOf({ kind: 'prune', folder: '', tz: 'UTC' }))).toBe(
      `schedule ${ID} prune of the repository: active, "0 3 * * *" in UTC, next run 2026-11-23T02:00:00.000Z`,
    );
    expect(
      describeSchedule(
        scheduleOf({ kind: 'check', folder: '', readData: 10, paused: true, nextRunAt: null }),
      ),
    ).toBe(`schedule ${ID} check of the repository (readData 10): paused, "0 3 * * *" in Europe/Paris`);
  });

  it('says a paused schedule is paused, with no next run', () => {
    expect(describeSchedule(scheduleOf({ paused: true, nextRunAt: null, tz: 'UTC' }))).toBe(
      `schedule ${ID} photos/2024: paused, "0 3 * * *" in UTC`,
    );
  });

  it('says why a schedule cannot run, paused or not, in place of its next run', () => {
    const error = {
      code: 'INVALID_SCHEDULE' as const,
      message: 'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
    };
    const never = scheduleOf({ cron: '0 0 31 2,4 *', tz: 'UTC', nextRunAt: null, error });
    expect(describeSchedule(never)).toBe(
      `schedule ${ID} photos/2024: active, "0 0 31 2,4 *" in UTC, cannot run: The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31`,
    );
    expect(nextRunText({ ...never, paused: true })).toBe(
      'cannot run: The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
    );
    expect(nextRunText(scheduleOf({ paused: true, nextRunAt: null }))).toBe('');
  });
});
