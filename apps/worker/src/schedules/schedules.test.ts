import { getJob, insertJob, insertSchedule, setSchedulePaused } from '@strongbox/db';
import { type TickData, upsertScheduler } from '@strongbox/queue';
import { cleanupRedisPrefix } from '@strongbox/services/testing';
import { type Job as QueueJob, UnrecoverableError } from 'bullmq';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { reconcile } from '../reconciler.js';
import { capturingLogger } from '../testing/capturing-logger.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from '../testing/test-worker.js';
import { runTick } from './run-tick.js';
import { syncSchedules } from './sync-schedules.js';

// A tick as BullMQ hands it to the processor: runTick reads only its id and data.
const tickOf = (data: unknown) => ({ id: 'repeat:test:1', data }) as QueueJob<TickData>;

describe('schedule ticks', () => {
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  const deps = () => ({ db: env.db, queue: env.queue, ticks: env.ticks, logger: env.logger });
  const jobsOf = async (scheduleId: string) => {
    const [rows] = await env.db.query<RowDataPacket[]>(
      'SELECT id FROM backup_job WHERE schedule_id = ? ORDER BY seq',
      [scheduleId],
    );
    return rows.map((row) => String(row.id));
  };

  it('runs an every-second schedule: each tick a backup job with its scheduleId, each ending with one Backup row', async () => {
    await env.makeFolder('ticking', { 'a.txt': 'tick' });
    await env.startWorker();
    const schedule = await insertSchedule(env.db, { folder: 'ticking', cron: '* * * * * *' });
    await upsertScheduler(env.ticks, schedule);
    await waitUntil(
      async () => (await jobsOf(schedule.id)).length >= 2,
      () => 'the schedule did not start two backups',
    );
    await env.ticks.removeJobScheduler(schedule.id);
    for (const id of (await jobsOf(schedule.id)).slice(0, 2)) {
      const job = await env.waitForEnd(id);
      expect(job).toMatchObject({
        kind: 'backup',
        folder: 'ticking',
        scheduleId: schedule.id,
        status: 'succeeded',
      });
      const [rows] = await env.db.query<RowDataPacket[]>('SELECT action, status FROM log WHERE job_id = ?', [
        id,
      ]);
      expect(rows).toEqual([{ action: 'Backup', status: 'SUCCESS' }]);
    }
    await env.stopWorkers();
  });

  it('turns the ticks missed while no worker ran into one backup when a worker comes back', async () => {
    await env.makeFolder('missed', { 'a.txt': 'missed' });
    // Three ticks a minute, one second apart, the first two seconds from now; the next one after
    // them is a minute away, so that only the missed ones can start a backup within this test.
    const first = Math.floor(Date.now() / 1000) + 2;
    const seconds = [0, 1, 2].map((i) => (first + i) % 60);
    const schedule = await insertSchedule(env.db, {
      folder: 'missed',
      cron: `${seconds.join(',')} * * * * *`,
    });
    await upsertScheduler(env.ticks, schedule);
    await waitUntil(
      async () => Date.now() > (first + 3) * 1000,
      () => 'the three ticks did not pass',
    );
    expect(await jobsOf(schedule.id)).toEqual([]);
    await env.startWorker();
    await waitUntil(
      async () => (await jobsOf(schedule.id)).length > 0,
      () => 'no backup after the worker came back',
    );
    const [id] = await jobsOf(schedule.id);
    expect((await env.waitForEnd(id ?? '')).status).toBe('succeeded');
    expect(await jobsOf(schedule.id)).toHaveLength(1);
    // One tick, not three that the folder's queued backup would have merged.
    const ticks = await env.ticks.getJobs(['completed', 'active', 'waiting', 'failed']);
    expect(ticks.filter((tick) => tick.data.scheduleId === schedule.id)).toHaveLength(1);
    const next = (await env.ticks.getJobScheduler(schedule.id))?.next ?? 0;
    expect(next).toBeGreaterThan(Date.now());
    await env.ticks.removeJobScheduler(schedule.id);
    await env.stopWorkers();
  });

  it('records the job in MySQL first, then queues it under its id with its folder', async () => {
    const schedule = await insertSchedule(env.db, { folder: 'recorded', cron: '0 3 * * *' });
    const outcome = await runTick(deps(), tickOf({ scheduleId: schedule.id }));
    expect(outcome).toMatchObject({ created: true });
    const jobId = (outcome as { jobId: string }).jobId;
    expect(await getJob(env.db, jobId)).toMatchObject({
      status: 'queued',
      scheduleId: schedule.id,
      folder: 'recorded',
    });
    expect((await env.queue.getJob(jobId))?.data).toEqual({ id: jobId, folder: 'recorded' });
  });

  it('joins the backup already queued for the folder instead of queueing a second', async () => {
    const { job: queued } = await insertJob(env.db, { kind: 'backup', folder: 'busy' });
    const schedule = await insertSchedule(env.db, { folder: 'busy', cron: '0 3 * * *' });
    expect(await runTick(deps(), tickOf({ scheduleId: schedule.id }))).toEqual({
      jobId: queued.id,
      created: false,
    });
    expect(await runTick(deps(), tickOf({ scheduleId: schedule.id }))).toEqual({
      jobId: queued.id,
      created: false,
    });
    expect(await jobsOf(schedule.id)).toEqual([]);
  });

  it('records a prune job for a tick of a prune schedule, and answers that queued prune to the next tick', async () => {
    const schedule = await insertSchedule(env.db, { kind: 'prune', cron: '0 4 * * *' });
    const outcome = await runTick(deps(), tickOf({ scheduleId: schedule.id }));
    expect(outcome).toEqual({ jobId: expect.stringMatching(/^[0-9a-f-]{36}$/), created: true });
    const jobId = (outcome as { jobId: string }).jobId;
    expect(await getJob(env.db, jobId)).toMatchObject({
      kind: 'prune',
      folder: '',
      status: 'queued',
      scheduleId: schedule.id,
      params: null,
    });
    expect((await env.queue.getJob(jobId))?.data).toEqual({ id: jobId, folder: '' });
    expect(await runTick(deps(), tickOf({ scheduleId: schedule.id }))).toEqual({ jobId, created: false });
    expect(await jobsOf(schedule.id)).toEqual([jobId]);
  });

  it('records a check job reading what its check schedule says', async () => {
    const schedule = await insertSchedule(env.db, { kind: 'check', cron: '0 5 * * 0', readData: 25 });
    const outcome = await runTick(deps(), tickOf({ scheduleId: schedule.id }));
    expect(outcome).toMatchObject({ created: true });
    const jobId = (outcome as { jobId: string }).jobId;
    expect(await getJob(env.db, jobId)).toMatchObject({
      kind: 'check',
      folder: '',
      status: 'queued',
      scheduleId: schedule.id,
      params: { readData: 25 },
    });
    expect(await jobsOf(schedule.id)).toEqual([jobId]);
  });

  it('starts nothing for a paused schedule', async () => {
    const schedule = await insertSchedule(env.db, { folder: 'paused', cron: '0 3 * * *' });
    await setSchedulePaused(env.db, schedule.id, true);
    expect(await runTick(deps(), tickOf({ scheduleId: schedule.id }))).toEqual({ skipped: 'paused' });
    expect(await jobsOf(schedule.id)).toEqual([]);
  });

  it('removes the scheduler of a schedule MySQL no longer has, and starts nothing', async () => {
    const gone = { id: '00000000-0000-4000-8000-00000000dead', folder: 'gone', cron: '0 3 * * *', tz: 'UTC' };
    await upsertScheduler(env.ticks, gone);
    expect(await env.ticks.getJobScheduler(gone.id)).toBeDefined();
    expect(await runTick(deps(), tickOf({ scheduleId: gone.id }))).toEqual({ skipped: 'deleted' });
    expect(await env.ticks.getJobScheduler(gone.id)).toBeUndefined();
    expect(await jobsOf(gone.id)).toEqual([]);
  });

  it('fails a tick with malformed data for good', async () => {
    await expect(runTick(deps(), tickOf({ id: 'x' }))).rejects.toBeInstanceOf(UnrecoverableError);
  });
});

describe('bringing the schedulers in line with MySQL', () => {
  // Each test its own database and queue prefix: none reads what another left.
  let env: WorkerTestEnv;
  beforeEach(async () => {
    env = await startWorkerTestEnv();
  });
  afterEach(async () => {
    await env?.close();
  });

  it('adds what is missing, fixes what differs, removes what MySQL paused or does not have', async () => {
    const active = await insertSchedule(env.db, {
      folder: 'sync/active',
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });
    const changed = await insertSchedule(env.db, { folder: 'sync/changed', cron: '0 4 * * *' });
    const paused = await insertSchedule(env.db, { folder: 'sync/paused', cron: '0 5 * * *' });
    await setSchedulePaused(env.db, paused.id, true);
    await upsertScheduler(env.ticks, { ...changed, cron: '0 9 * * *' });
    await upsertScheduler(env.ticks, paused);
    const stray = {
      id: '00000000-0000-4000-8000-0000000000aa',
      folder: 'stray',
      cron: '0 1 * * *',
      tz: 'UTC',
    };
    await upsertScheduler(env.ticks, stray);

    const report = await syncSchedules(env.db, env.ticks, env.logger);
    expect(report.restored.sort()).toEqual([active.id, changed.id].sort());
    expect(report.removed.sort()).toEqual([paused.id, stray.id].sort());
    const inRedis = await env.ticks.getJobSchedulers(0, -1);
    expect(inRedis.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual(
      [
        [active.id, '0 3 * * *', 'Europe/Paris'],
        [changed.id, '0 4 * * *', 'UTC'],
      ].sort(),
    );
    expect(await syncSchedules(env.db, env.ticks, env.logger)).toEqual({
      restored: [],
      removed: [],
      skipped: [],
    });
  });

  it('brings every active schedule back after Redis lost its data, when the reconciler runs', async () => {
    await insertSchedule(env.db, { folder: 'sync/active', cron: '0 3 * * *', tz: 'Europe/Paris' });
    await insertSchedule(env.db, { folder: 'sync/changed', cron: '0 4 * * *' });
    const paused = await insertSchedule(env.db, { folder: 'sync/paused', cron: '0 5 * * *' });
    await setSchedulePaused(env.db, paused.id, true);
    expect((await syncSchedules(env.db, env.ticks, env.logger)).restored).toHaveLength(2);
    await cleanupRedisPrefix(inject('redisUrl'), env.config.queuePrefix);
    expect(await env.ticks.getJobSchedulers(0, -1)).toEqual([]);
    const report = await reconcile({ db: env.db, queue: env.queue, ticks: env.ticks, logger: env.logger });
    expect(report.schedules?.restored).toHaveLength(2);
    expect((await env.ticks.getJobSchedulers(0, -1)).map((s) => s.template?.data?.folder).sort()).toEqual([
      'sync/active',
      'sync/changed',
    ]);
  });
});

describe('schedules that cannot run, recorded by hand or by an older version', () => {
  const captured = capturingLogger('info');
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv({ logger: captured.logger });
  });
  afterEach(async () => {
    await env.db.execute('DELETE FROM schedule');
    await cleanupRedisPrefix(inject('redisUrl'), env.config.queuePrefix);
    captured.lines.length = 0;
  });
  afterAll(async () => {
    await env?.close();
  });

  const NEVER = '00000000-0000-4000-8000-00000000000a';
  const FAR = '00000000-0000-4000-8000-00000000000b';
  const recordByHand = async (id: string, cron: string) => {
    await env.db.execute(
      `INSERT INTO schedule (id, folder, cron, tz, paused, created_at, updated_at)
       VALUES (?, 'by-hand', ?, 'UTC', FALSE, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
      [id, cron],
    );
  };
  const linesAbout = (id: string) => captured.lines.filter((line) => line.scheduleId === id);

  it('skips them, logs each once per pass with its id, and rebuilds every other scheduler Redis lost', async () => {
    const first = await insertSchedule(env.db, {
      folder: 'rebuilt/a',
      cron: '0 3 * * *',
      tz: 'Europe/Paris',
    });
    await recordByHand(NEVER, '0 0 31 2,4 *');
    const second = await insertSchedule(env.db, { folder: 'rebuilt/b', cron: '*/5 * * * *' });
    await upsertScheduler(env.ticks, first);
    await upsertScheduler(env.ticks, second);
    await cleanupRedisPrefix(inject('redisUrl'), env.config.queuePrefix);
    expect(await env.ticks.getJobSchedulers(0, -1)).toEqual([]);

    const report = await reconcile({ db: env.db, queue: env.queue, ticks: env.ticks, logger: env.logger });
    expect(report.schedules).toEqual({ restored: [first.id, second.id], removed: [], skipped: [NEVER] });
    const inRedis = await env.ticks.getJobSchedulers(0, -1);
    expect(inRedis.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual(
      [
        [first.id, '0 3 * * *', 'Europe/Paris'],
        [second.id, '*/5 * * * *', 'UTC'],
      ].sort(),
    );
    const skipped = {
      level: 40,
      scheduleId: NEVER,
      reason: 'The cron expression "0 0 31 2,4 *" never fires: none of its months (2, 4) has a day 31',
      msg: 'skipped a schedule that cannot run; pause, fix or delete it',
    };
    expect(linesAbout(NEVER)).toEqual([expect.objectContaining(skipped)]);

    const again = await reconcile({ db: env.db, queue: env.queue, ticks: env.ticks, logger: env.logger });
    expect(again.schedules).toEqual({ restored: [], removed: [], skipped: [NEVER] });
    expect(linesAbout(NEVER)).toEqual([expect.objectContaining(skipped), expect.objectContaining(skipped)]);
  });

  it('leaves the scheduler of one that cannot be computed as it is: its row still says it is active', async () => {
    await recordByHand(FAR, '0 0 * 2 1#5');
    await upsertScheduler(env.ticks, { id: FAR, folder: 'by-hand', cron: '0 0 * 2 1#5', tz: 'UTC' });
    const report = await syncSchedules(env.db, env.ticks, env.logger);
    expect(report).toEqual({ restored: [], removed: [], skipped: [FAR] });
    expect(await env.ticks.getJobScheduler(FAR)).toMatchObject({
      key: FAR,
      pattern: '0 0 * 2 1#5',
      tz: 'UTC',
    });
    expect(linesAbout(FAR)).toHaveLength(1);
  });
});
