import { describe, expect, it } from 'vitest';
import { ISO_DATE, type TestApp, useTestApps } from '../../testing/test-app.js';

const PASSWORD = 'maintenance-schedule-password-5820';

describe('prune and check schedules', () => {
  const { app, directory } = useTestApps();

  async function objectApp(): Promise<TestApp> {
    const dir = await directory('strongbox-maintenance-schedule-');
    return app({ REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: PASSWORD });
  }

  const create = (t: TestApp, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/schedules', payload });
  const storedRows = async (t: TestApp) => {
    const [result] = await t.db.query('SELECT kind, folder, params FROM schedule ORDER BY seq');
    return result;
  };

  it('records a prune schedule without a folder and a check schedule with readData, and lists both', async () => {
    const t = await objectApp();
    const prune = await create(t, { kind: 'prune', cron: '0 4 * * *' });
    expect(prune.statusCode).toBe(201);
    expect(prune.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: 'prune',
      folder: '',
      readData: null,
      cron: '0 4 * * *',
      tz: 'UTC',
      paused: false,
      createdAt: expect.stringMatching(ISO_DATE),
      updatedAt: expect.stringMatching(ISO_DATE),
      nextRunAt: expect.stringMatching(ISO_DATE),
      error: null,
    });
    const check = await create(t, { kind: 'check', folder: '', cron: '0 5 * * 0', readData: 10 });
    expect(check.statusCode).toBe(201);
    expect(check.json()).toMatchObject({ kind: 'check', folder: '', readData: 10, cron: '0 5 * * 0' });
    const plain = await create(t, { kind: 'check', cron: '0 6 * * *' });
    expect(plain.json()).toMatchObject({ kind: 'check', folder: '', readData: 'none' });

    const list = (await t.app.inject({ method: 'GET', url: '/schedules' })).json();
    expect(list.items.map((s: { kind: string; readData: unknown }) => [s.kind, s.readData])).toEqual([
      ['prune', null],
      ['check', 10],
      ['check', 'none'],
    ]);
    expect(await storedRows(t)).toEqual([
      { kind: 'prune', folder: '', params: null },
      { kind: 'check', folder: '', params: '{"readData":10}' },
      { kind: 'check', folder: '', params: '{"readData":"none"}' },
    ]);
    const scheduler = await t.ticks.getJobScheduler(prune.json().id);
    expect(scheduler).toMatchObject({ key: prune.json().id, pattern: '0 4 * * *', tz: 'UTC' });
    // They belong to no folder: GET /folders lists none.
    expect((await t.app.inject({ method: 'GET', url: '/folders' })).json()).toMatchObject({ items: [] });
  });

  it('deletes a prune schedule with 204', async () => {
    const t = await objectApp();
    const id = (await create(t, { kind: 'prune', cron: '0 4 * * *' })).json().id;
    expect((await t.app.inject({ method: 'DELETE', url: `/schedules/${id}` })).statusCode).toBe(204);
    expect(await storedRows(t)).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/folders' })).json()).toMatchObject({ items: [] });
  });

  it.each([
    [
      'a folder on a prune schedule',
      { kind: 'prune', folder: 'photos', cron: '0 4 * * *' },
      'A prune schedule acts on the whole repository and has no folder: got "photos"',
    ],
    [
      'a folder on a check schedule',
      { kind: 'check', folder: 'a/b', cron: '0 4 * * *' },
      'A check schedule acts on the whole repository and has no folder: got "a/b"',
    ],
    [
      'readData on a prune schedule',
      { kind: 'prune', cron: '0 4 * * *', readData: 'all' },
      'Only a check schedule reads pack data: got readData on a prune schedule',
    ],
    [
      'readData on a backup schedule',
      { folder: 'photos', cron: '0 4 * * *', readData: 5 },
      'Only a check schedule reads pack data: got readData on a backup schedule',
    ],
  ])('refuses %s with 400 INVALID_SCHEDULE and stores nothing', async (_, payload, message) => {
    const t = await objectApp();
    const response = await create(t, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_SCHEDULE',
      message,
    });
    expect(await storedRows(t)).toEqual([]);
  });

  it('refuses an unknown kind, a readData of 0 and a backup without folder with 400 VALIDATION', async () => {
    const t = await objectApp();
    for (const payload of [
      { kind: 'forget', cron: '0 4 * * *' },
      { kind: 'check', cron: '0 4 * * *', readData: 0 },
      { kind: 'backup', cron: '0 4 * * *' },
    ]) {
      const response = await create(t, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION' });
    }
    const missing = await create(t, { cron: '0 4 * * *' });
    expect(missing.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION',
      message: 'body.folder: A backup schedule needs a folder',
    });
    expect(await storedRows(t)).toEqual([]);
  });

  it.each(['prune', 'check'])(
    'refuses a %s schedule on the local tree with 409 NOT_OBJECT_REPOSITORY and stores nothing',
    async (kind) => {
      const t = await app();
      const response = await create(t, { kind, cron: '0 4 * * *' });
      expect(response.statusCode).toBe(409);
      expect(response.json()).toEqual({
        statusCode: 409,
        error: 'Conflict',
        code: 'NOT_OBJECT_REPOSITORY',
        message: `This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): a ${kind} schedule has nothing to act on`,
      });
      expect(await storedRows(t)).toEqual([]);
    },
  );
});
