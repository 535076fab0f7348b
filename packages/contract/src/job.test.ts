import { describe, expect, it } from 'vitest';
import { ACTIVE_STATUSES, isTerminal, JOB_STATUSES, jobSchema, TERMINAL_STATUSES } from './job.js';

const base = {
  id: 'c161eed8-9c70-48e7-894d-0da83e71494d',
  folder: 'example',
  scheduleId: null,
  status: 'succeeded',
  attempts: 1,
  worker: 'vm:20947',
  createdAt: '2026-11-22T02:00:32.181Z',
  startedAt: '2026-11-22T02:00:32.201Z',
  finishedAt: '2026-11-22T02:00:32.304Z',
  progress: { filesDone: 2, filesTotal: 2, bytesDone: 63, bytesTotal: 63 },
  error: null,
  prunedAt: null,
};

const backupResult = {
  snapshot: 'example/20261122T020032Z-accbce',
  files: 2,
  bytes: 63,
  copiedFiles: 2,
  copiedBytes: 63,
  linkedFiles: 0,
  skipped: 0,
  warnings: [],
  durationMs: 92,
};

describe('jobSchema', () => {
  it('writes every kind with the same fields in the same order', () => {
    const backup = jobSchema.parse({ ...base, kind: 'backup', params: null, result: backupResult });
    const restore = jobSchema.parse({
      ...base,
      kind: 'restore',
      params: { backupId: base.id, target: 'restored/example' },
      result: {
        snapshot: backupResult.snapshot,
        path: null,
        target: 'restored/example',
        files: 2,
        bytes: 63,
        durationMs: 9,
      },
    });
    const order = [
      'id',
      'kind',
      'folder',
      'scheduleId',
      'status',
      'attempts',
      'worker',
      'createdAt',
      'startedAt',
      'finishedAt',
      'progress',
      'result',
      'error',
      'params',
      'prunedAt',
    ];
    expect(Object.keys(backup)).toEqual(order);
    expect(Object.keys(restore)).toEqual(order);
    expect(Object.keys(backup.result ?? {})).toEqual(Object.keys(backupResult));
  });

  it('types the result by kind: a backup result is not a verify result', () => {
    const asVerify = jobSchema.safeParse({
      ...base,
      kind: 'verify',
      params: { backupId: base.id },
      result: { ...backupResult, snapshot: 1 },
    });
    expect(asVerify.success).toBe(false);
    const missing = jobSchema.safeParse({
      ...base,
      kind: 'backup',
      params: null,
      result: { snapshot: 'x', files: 1 },
    });
    expect(missing.error?.issues.map((issue) => issue.path.join('.'))).toContain('result.copiedFiles');
  });

  it('leaves out fields a result of its kind does not have', () => {
    const job = jobSchema.parse({
      ...base,
      kind: 'verify',
      params: { backupId: base.id },
      result: { snapshot: 's', files: 1, bytes: 2, durationMs: 3, manifest: '/srv/backup/s.manifest.jsonl' },
    });
    expect(job.result).toEqual({ snapshot: 's', files: 1, bytes: 2, durationMs: 3 });
  });

  it('refuses params of another kind: a backup has none, a restore has a target', () => {
    expect(
      jobSchema.safeParse({ ...base, kind: 'backup', params: { backupId: base.id }, result: null }).success,
    ).toBe(false);
    expect(
      jobSchema.safeParse({ ...base, kind: 'restore', params: { backupId: base.id }, result: null }).success,
    ).toBe(false);
  });
});

describe('statuses', () => {
  it('are the active ones and the terminal ones, each listed once', () => {
    expect([...JOB_STATUSES]).toEqual(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
    expect(JOB_STATUSES.filter(isTerminal)).toEqual([...TERMINAL_STATUSES]);
    expect(ACTIVE_STATUSES.filter(isTerminal)).toEqual([]);
  });
});
