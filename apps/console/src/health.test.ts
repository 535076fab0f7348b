import { describe, expect, it } from 'vitest';
import type { BackupJob, FolderItem, Schedule } from './api.js';
import { healthOf } from './health.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const HOUR = 3_600_000;

function folder(overrides: Partial<FolderItem> = {}): FolderItem {
  return {
    folder: 'photos',
    lastBackup: {
      id: 'b1',
      status: 'succeeded',
      finishedAt: '2026-12-07T03:00:10.000Z',
      errorCode: null,
      addedBytes: 10,
    },
    lastSuccessAt: '2026-12-07T03:00:10.000Z',
    snapshotCount: 1,
    latestSnapshot: null,
    scheduleCount: 1,
    hasPolicy: false,
    ...overrides,
  };
}

function schedule(cron: string, overrides: Partial<Schedule> = {}): Schedule {
  return {
    id: 's1',
    kind: 'backup',
    folder: 'photos',
    readData: null,
    cron,
    tz: 'UTC',
    paused: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    nextRunAt: null,
    error: null,
    ...overrides,
  };
}

function job(outcome: { skipped: number; warnings: string[] }): BackupJob {
  return {
    id: 'b1',
    kind: 'backup',
    folder: 'photos',
    scheduleId: null,
    status: 'succeeded',
    attempts: 1,
    worker: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
    result: {
      snapshot: 'photos/1',
      files: 1,
      bytes: 1,
      copiedFiles: 1,
      copiedBytes: 1,
      linkedFiles: 0,
      durationMs: 1,
      ...outcome,
    },
    error: null,
    params: null,
    prunedAt: null,
  };
}

describe('a folder health', () => {
  it('is failed when its last backup that ran failed, naming the code', () => {
    const failed = folder({
      lastBackup: {
        id: 'b2',
        status: 'failed',
        finishedAt: NOW.toISOString(),
        errorCode: 'NO_SUCH_DIRECTORY',
        addedBytes: null,
      },
    });
    expect(healthOf(failed, [], [], NOW)).toEqual({
      health: 'failed',
      reason: 'last backup failed: NO_SUCH_DIRECTORY',
    });
  });

  it('is stale before any success', () => {
    expect(healthOf(folder({ lastBackup: null, lastSuccessAt: null }), [], [], NOW).health).toBe('stale');
  });

  it('is healthy when the success came after the daily run due more than the margin ago', () => {
    expect(healthOf(folder(), [schedule('0 3 * * *')], [job({ skipped: 0, warnings: [] })], NOW)).toEqual({
      health: 'ok',
      reason: 'last backup succeeded',
    });
  });

  it('is stale when a run due more than the margin ago has no success after it', () => {
    // Every hour: the run of 11:00 is due (an hour before 12:00), and the last success is 03:00.
    expect(healthOf(folder(), [schedule('0 * * * *')], [], NOW)).toEqual({
      health: 'stale',
      reason: 'no success since the run due 2026-12-07T11:00:00.000Z (0 * * * *)',
    });
    // A two-hour margin makes 10:00 the last run due, still after 03:00.
    expect(healthOf(folder(), [schedule('0 * * * *')], [], NOW, 2 * HOUR).health).toBe('stale');
    // At :30, an hour's margin makes 10:30 the last run due (11:30 is not due yet).
    expect(
      healthOf(folder({ lastSuccessAt: '2026-12-07T10:30:05.000Z' }), [schedule('30 * * * *')], [], NOW)
        .health,
    ).toBe('ok');
    expect(
      healthOf(folder({ lastSuccessAt: '2026-12-07T10:29:59.000Z' }), [schedule('30 * * * *')], [], NOW)
        .health,
    ).toBe('stale');
  });

  it('ignores paused schedules, other folders, and runs due before the schedule existed', () => {
    expect(healthOf(folder(), [schedule('0 * * * *', { paused: true })], [], NOW).health).toBe('ok');
    expect(healthOf(folder(), [schedule('0 * * * *', { folder: 'other' })], [], NOW).health).toBe('ok');
    expect(
      healthOf(folder(), [schedule('0 * * * *', { createdAt: '2026-12-07T11:30:00.000Z' })], [], NOW).health,
    ).toBe('ok');
  });

  it('reads the schedule in its time zone', () => {
    // 04:00 in Paris is 03:00 UTC: the success at 03:00:10 UTC came after it.
    expect(healthOf(folder(), [schedule('0 4 * * *', { tz: 'Europe/Paris' })], [], NOW).health).toBe('ok');
    // 05:00 in Paris is 04:00 UTC: after the success.
    expect(healthOf(folder(), [schedule('0 5 * * *', { tz: 'Europe/Paris' })], [], NOW).health).toBe('stale');
  });

  it('warns when the last backup skipped entries', () => {
    expect(healthOf(folder(), [], [job({ skipped: 2, warnings: ['a: socket', 'b: fifo'] })], NOW)).toEqual({
      health: 'warning',
      reason: 'last backup skipped 2 entries: a: socket',
    });
    expect(healthOf(folder(), [], [job({ skipped: 1, warnings: [] })], NOW).reason).toBe(
      'last backup skipped 1 entry',
    );
  });
});
