import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { closedPort } from '../../testing/closed-port.js';
import { ISO_DATE, startTestApp, type TestApp } from '../../testing/test-app.js';

describe('schedules', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const create = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/schedules', payload });
  const rows = async () => {
    const [result] = await t.db.query('SELECT COUNT(*) AS n FROM schedule');
    return Number((result as { n: number }[])[0]?.n);
  };

  it('records a schedule, answers 201 with Location, and gives it a job scheduler in Redis', async () => {
    const response = await create({ folder: 'photos/2024', cron: '0 3 * * *', tz: 'Europe/Paris' });
    expect(response.statusCode).toBe(201);
    const schedule = response.json();
    expect(schedule).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'backup',
      folder: 'photos/2024',
      readData: null,
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
      paused: false,
      createdAt: expect.stringMatching(ISO_DATE),
      updatedAt: expect.stringMatching(ISO_DATE),
      nextRunAt: expect.stringMatching(ISO_DATE),
      error: null,
    });
    expect(response.headers.location).toBe(`/schedules/${schedule.id}`);
    // 03:00 in Paris is 01:00 or 02:00 UTC, whatever the season.
    expect(new Date(schedule.nextRunAt).getUTCHours()).toBeOneOf([1, 2]);
    expect(new Date(schedule.nextRunAt).getUTCMinutes()).toBe(0);
    const scheduler = await t.ticks.getJobScheduler(schedule.id);
    expect(scheduler).toMatchObject({ key: schedule.id, pattern: '0 3 * * *', tz: 'Europe/Paris' });
    expect(scheduler?.template?.data).toEqual({ scheduleId: schedule.id, folder: 'photos/2024' });
  });

  it('reads a schedule without tz in UTC, and takes 6 fields with seconds', async () => {
    const response = await create({ folder: 'every-second', cron: '* * * * * *' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ cron: '* * * * * *', tz: 'UTC' });
    expect((await t.ticks.getJobScheduler(response.json().id))?.tz).toBe('UTC');
  });

  it.each([
    [
      'a cron of 4 fields',
      { folder: 'f', cron: '* * * *' },
      'The cron expression must have 5 fields (minute hour day month weekday) or 6 (seconds first): got 4 in "* * * *"',
    ],
    [
      'a cron of 7 fields',
      { folder: 'f', cron: '0 0 3 * * * 2030' },
      'The cron expression must have 5 fields (minute hour day month weekday) or 6 (seconds first): got 7 in "0 0 3 * * * 2030"',
    ],
    [
      'a minute out of range',
      { folder: 'f', cron: '61 * * * *' },
      'The cron expression "61 * * * *" cannot run: Constraint error, got value 61 expected range 0-59',
    ],
    [
      'letters',
      { folder: 'f', cron: 'a b c d e' },
      'The cron expression "a b c d e" cannot run: Invalid characters, got value: a',
    ],
    [
      'a cron expression that parses but never fires (31 February or April)',
      { folder: 'f', cron: '0 0 31 2,4 *' },
      'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
    ],
    [
      // The next 5th Monday of February is 29 February 2044 (then 2072): more than 10 years away
      // from the day the clock is set to below (it would not be from March 2034).
      'a cron expression that fires only in the far future',
      { folder: 'f', cron: '0 0 * 2 1#5', tz: 'Europe/Paris' },
      'The cron expression "0 0 * 2 1#5" does not fire within the next 10 years (time zone Europe/Paris)',
    ],
    [
      'a time zone that does not exist',
      { folder: 'f', cron: '0 3 * * *', tz: 'Mars/Olympus' },
      'The time zone must be an IANA name such as Europe/Paris or UTC: got "Mars/Olympus"',
    ],
  ])(
    'refuses %s with 400 INVALID_SCHEDULE saying what is wrong, and records nothing',
    async (_, body, message) => {
      // The clock alone is set (no timer is faked), so that "the next 10 years" stays the same years.
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-06T12:00:00Z') });
      onTestFinished(() => {
        vi.useRealTimers();
      });
      const before = await rows();
      const response = await create(body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_SCHEDULE',
        message,
      });
      expect(await rows()).toBe(before);
    },
  );

  it('refuses a bad folder with INVALID_FOLDER and a missing cron with VALIDATION', async () => {
    const folder = await create({ folder: '../etc', cron: '0 3 * * *' });
    expect(folder.statusCode).toBe(400);
    expect(folder.json()).toMatchObject({
      code: 'INVALID_FOLDER',
      message: 'The folder must not have "." or ".." segments: got "../etc"',
    });
    const missing = await create({ folder: 'f' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('body.cron'),
    });
  });

  it('lists schedules oldest first, a page at a time', async () => {
    const first = (await create({ folder: 'list/a', cron: '0 1 * * *' })).json();
    const second = (await create({ folder: 'list/b', cron: '0 2 * * *' })).json();
    const all = (await t.app.inject({ method: 'GET', url: '/schedules?limit=1000' })).json();
    const ids = all.items.map((s: { id: string }) => s.id);
    expect(ids.indexOf(first.id)).toBeLessThan(ids.indexOf(second.id));
    expect(all.nextCursor).toBeNull();
    const page = (await t.app.inject({ method: 'GET', url: '/schedules?limit=1' })).json();
    expect(page.items).toHaveLength(1);
    expect(page.items[0].id).toBe(ids[0]);
    const next = (
      await t.app.inject({ method: 'GET', url: `/schedules?limit=1&cursor=${page.nextCursor}` })
    ).json();
    expect(next.items[0].id).toBe(ids[1]);
  });

  it('pauses a schedule (no scheduler in Redis, no next run) and resumes it', async () => {
    const { id } = (await create({ folder: 'pausing', cron: '*/5 * * * *' })).json();
    const paused = await t.app.inject({
      method: 'PATCH',
      url: `/schedules/${id}`,
      payload: { paused: true },
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ id, paused: true, nextRunAt: null });
    expect(await t.ticks.getJobScheduler(id)).toBeUndefined();
    expect((await t.app.inject({ method: 'GET', url: `/schedules/${id}` })).json().paused).toBe(true);

    const resumed = await t.app.inject({
      method: 'PATCH',
      url: `/schedules/${id}`,
      payload: { paused: false },
    });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ id, paused: false, nextRunAt: expect.stringMatching(ISO_DATE) });
    expect(await t.ticks.getJobScheduler(id)).toMatchObject({ key: id, pattern: '*/5 * * * *' });
  });

  it('refuses a PATCH that is not {paused: boolean} with 400 VALIDATION', async () => {
    const { id } = (await create({ folder: 'patching', cron: '0 3 * * *' })).json();
    for (const payload of [{ paused: 'yes' }, { cron: '* * * * *' }, {}]) {
      const response = await t.app.inject({ method: 'PATCH', url: `/schedules/${id}`, payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION');
    }
    expect((await t.app.inject({ method: 'GET', url: `/schedules/${id}` })).json().paused).toBe(false);
  });

  it('deletes a schedule and its scheduler with 204; then it is 404', async () => {
    const { id } = (await create({ folder: 'deleting', cron: '0 3 * * *' })).json();
    const deleted = await t.app.inject({ method: 'DELETE', url: `/schedules/${id}` });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect(await t.ticks.getJobScheduler(id)).toBeUndefined();
    const again = await t.app.inject({ method: 'GET', url: `/schedules/${id}` });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: `There is no schedule with id "${id}"`,
    });
  });

  it('answers 404 NOT_FOUND for unknown ids and ids that are not UUIDs, on every route', async () => {
    for (const [method, url] of [
      ['GET', '/schedules/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/schedules/00000000-0000-4000-8000-000000000000'],
      ['PATCH', '/schedules/nope'],
    ] as const) {
      const response = await t.app.inject({
        method,
        url,
        payload: method === 'PATCH' ? { paused: true } : undefined,
      });
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('NOT_FOUND');
    }
  });
});

describe('schedules that cannot run, recorded by hand or by an older version', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const NEVER = '00000000-0000-4000-8000-00000000000a';
  const NO_ZONE = '00000000-0000-4000-8000-00000000000b';
  const NEVER_ERROR = {
    code: 'INVALID_SCHEDULE',
    message: 'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
  };
  const recordByHand = async (id: string, cron: string, tz: string, paused = false) => {
    await t.db.execute(
      `INSERT INTO schedule (id, folder, cron, tz, paused, created_at, updated_at)
       VALUES (?, 'by-hand', ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [id, cron, tz, paused],
    );
  };
  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const patch = (id: string, paused: boolean) =>
    t.app.inject({ method: 'PATCH', url: `/schedules/${id}`, payload: { paused } });

  beforeEach(async () => {
    await recordByHand(NEVER, '0 0 31 2,4 *', 'UTC');
    await recordByHand(NO_ZONE, '0 3 * * *', 'Mars/Olympus', true);
  });
  afterEach(async () => {
    await t.db.execute('DELETE FROM schedule');
  });

  it('lists them with no next run and the reason, beside the others listed as usual', async () => {
    const good = (
      await t.app.inject({ method: 'POST', url: '/schedules', payload: { folder: 'ok', cron: '0 3 * * *' } })
    ).json();
    const response = await get('/schedules');
    expect(response.statusCode).toBe(200);
    const { items } = response.json();
    expect(items).toEqual([
      expect.objectContaining({
        id: NEVER,
        cron: '0 0 31 2,4 *',
        paused: false,
        nextRunAt: null,
        error: NEVER_ERROR,
      }),
      expect.objectContaining({
        id: NO_ZONE,
        tz: 'Mars/Olympus',
        paused: true,
        nextRunAt: null,
        error: {
          code: 'INVALID_SCHEDULE',
          message: 'The time zone must be an IANA name such as Europe/Paris or UTC: got "Mars/Olympus"',
        },
      }),
      expect.objectContaining({ id: good.id, nextRunAt: expect.stringMatching(ISO_DATE), error: null }),
    ]);
  });

  it('reads one with GET, pauses it with PATCH, and deletes it with DELETE', async () => {
    const read = await get(`/schedules/${NEVER}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: NEVER, paused: false, nextRunAt: null, error: NEVER_ERROR });

    const paused = await patch(NEVER, true);
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ id: NEVER, paused: true, nextRunAt: null, error: NEVER_ERROR });

    const deleted = await t.app.inject({ method: 'DELETE', url: `/schedules/${NEVER}` });
    expect(deleted.statusCode).toBe(204);
    expect((await get(`/schedules/${NEVER}`)).statusCode).toBe(404);
    const [rows] = await t.db.query('SELECT id FROM schedule WHERE id = ?', [NEVER]);
    expect(rows).toEqual([]);
  });

  it('refuses to resume one with 400 INVALID_SCHEDULE saying why, and changes nothing', async () => {
    const response = await patch(NO_ZONE, false);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_SCHEDULE',
      message: 'The time zone must be an IANA name such as Europe/Paris or UTC: got "Mars/Olympus"',
    });
    expect((await get(`/schedules/${NO_ZONE}`)).json()).toMatchObject({ paused: true });
    expect(await t.ticks.getJobScheduler(NO_ZONE)).toBeUndefined();

    const again = await patch(NEVER, false);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ statusCode: 400, error: 'Bad Request', ...NEVER_ERROR });
    expect(await t.ticks.getJobScheduler(NEVER)).toBeUndefined();
  });
});

describe('schedules without Redis', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ redisUrl: `redis://127.0.0.1:${await closedPort()}` });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('still records, pauses and deletes schedules in MySQL: the reconciler brings Redis in line', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/schedules',
      payload: { folder: 'f', cron: '0 3 * * *' },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const paused = await t.app.inject({
      method: 'PATCH',
      url: `/schedules/${id}`,
      payload: { paused: true },
    });
    expect(paused.json().paused).toBe(true);
    expect((await t.app.inject({ method: 'DELETE', url: `/schedules/${id}` })).statusCode).toBe(204);
    const [result] = await t.db.query('SELECT COUNT(*) AS n FROM schedule');
    expect(Number((result as { n: number }[])[0]?.n)).toBe(0);
  });
});
