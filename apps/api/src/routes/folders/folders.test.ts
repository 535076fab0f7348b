import type { BackupResult, Job } from '@strongbox/contract';
import { finishJob, insertJob, insertSchedule, markPruned, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function request(method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: unknown) {
  return t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** Runs a backup of `folder` through the job table to the given end, as the API and a worker do. */
async function backup(
  folder: string,
  end: { result: Partial<BackupResult> } | { failed: string },
): Promise<Job> {
  const { job } = await insertJob(t.db, { kind: 'backup', folder });
  await startJob(t.db, job.id, 'test:1');
  const ended = await finishJob(
    t.db,
    job.id,
    'failed' in end
      ? { status: 'failed', error: { code: end.failed, message: 'test' } }
      : {
          status: 'succeeded',
          kind: 'backup',
          result: {
            snapshot: `${encodeURIComponent(folder)}/${job.id}`,
            files: 2,
            bytes: 200,
            copiedFiles: 1,
            copiedBytes: 100,
            linkedFiles: 1,
            skipped: 0,
            warnings: [],
            durationMs: 1,
            ...end.result,
          },
        },
  );
  if (!ended) throw new Error('the backup did not end');
  return ended;
}

const NO_BACKUP = {
  lastBackup: null,
  lastSuccessAt: null,
  snapshotCount: 0,
  latestSnapshot: null,
};

describe('GET /folders and GET /folders/{folder}', () => {
  let second: Job;
  let failed: Job;
  let scheduleId: string;

  beforeAll(async () => {
    await backup('docs', { result: {} });
    second = await backup('docs', { result: { files: 3, bytes: 300, newBytes: 77 } });
    failed = await backup('docs', { failed: 'NO_SPACE' });
    await backup('pruned', { result: {} });
    await markPruned(t.db, [`pruned/${(await backup('pruned', { result: {} })).id}`]);
    scheduleId = (await insertSchedule(t.db, { folder: 'mail', cron: '0 3 * * *' })).id;
    await insertJob(t.db, { kind: 'backup', folder: 'queued/only' });
  });

  const docs = () => ({
    folder: 'docs',
    lastBackup: {
      id: failed.id,
      status: 'failed',
      finishedAt: failed.finishedAt,
      errorCode: 'NO_SPACE',
      addedBytes: null,
    },
    lastSuccessAt: second.finishedAt,
    snapshotCount: 2,
    latestSnapshot: {
      backupId: second.id,
      snapshot: `docs/${second.id}`,
      finishedAt: second.finishedAt,
      files: 3,
      bytes: 300,
    },
    scheduleCount: 0,
    hasPolicy: false,
  });

  it('lists every folder with a job or a schedule, by name, with its last backup and snapshots', async () => {
    const response = await request('GET', '/folders');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.nextCursor).toBeNull();
    expect(body.items.map((item: { folder: string }) => item.folder)).toEqual([
      'docs',
      'mail',
      'pruned',
      'queued/only',
    ]);
    expect(body.items[0]).toEqual(docs());
    expect(body.items[1]).toEqual({ folder: 'mail', ...NO_BACKUP, scheduleCount: 1, hasPolicy: false });
    expect(body.items[2].snapshotCount).toBe(1);
    expect(body.items[3]).toEqual({
      folder: 'queued/only',
      ...NO_BACKUP,
      scheduleCount: 0,
      hasPolicy: false,
    });
  });

  it('pages with limit and the cursor it gave, to the end', async () => {
    const one = await request('GET', '/folders?limit=3');
    expect(one.json().items.map((item: { folder: string }) => item.folder)).toEqual([
      'docs',
      'mail',
      'pruned',
    ]);
    const two = await request('GET', `/folders?limit=3&cursor=${one.json().nextCursor}`);
    expect(two.json()).toEqual({
      items: [{ folder: 'queued/only', ...NO_BACKUP, scheduleCount: 0, hasPolicy: false }],
      nextCursor: null,
    });
  });

  it('pages past a folder of 1000 bytes that JSON escapes, whose cursor is the longest', async () => {
    const long = ['"'.repeat(250), '\\'.repeat(250), '"'.repeat(250), '\\'.repeat(246)].join('/');
    expect(Buffer.byteLength(long)).toBe(999);
    const next = `${long}z`;
    for (const folder of [long, next]) {
      const put = await request('PUT', `/folders/${encodeURIComponent(folder)}/policy`, {});
      expect(put.statusCode).toBe(200);
    }
    const first = await request('GET', '/folders?limit=1');
    expect(first.json().items[0].folder).toBe(long);
    const cursor = first.json().nextCursor;
    expect(cursor.length).toBeGreaterThan(2000);
    const second = await request('GET', `/folders?limit=1&cursor=${cursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json().items.map((item: { folder: string }) => item.folder)).toEqual([next]);
  });

  it('refuses a bad cursor, a bad limit and an unknown parameter with their codes', async () => {
    const cases: [string, string, string][] = [
      [
        '/folders?cursor=nope',
        'INVALID_CURSOR',
        'The cursor is not one this server gave out: start again without it',
      ],
      ['/folders?limit=0', 'INVALID_QUERY', 'querystring.limit: Too small: expected number to be >=1'],
      [
        '/folders?folder=docs',
        'UNKNOWN_PARAMETER',
        'Unknown query parameter "folder": GET /folders takes limit, cursor',
      ],
    ];
    for (const [url, code, message] of cases) {
      const response = await request('GET', url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({ statusCode: 400, error: 'Bad Request', code, message });
    }
  });

  it('answers one folder with its policy (empty when none is stored) and its schedules', async () => {
    const response = await request('GET', '/folders/docs');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      ...docs(),
      policy: { exclude: [], excludeIfPresent: [], maxFileSize: null, retention: null },
      policyUpdatedAt: null,
      schedules: [],
    });
    const mail = await request('GET', '/folders/mail');
    expect(mail.json().schedules.map((schedule: { id: string }) => schedule.id)).toEqual([scheduleId]);
    expect(mail.json().scheduleCount).toBe(1);
  });

  it('answers 404 UNKNOWN_FOLDER for a folder with no job, no schedule and no policy', async () => {
    const response = await request('GET', '/folders/photos%2F2025');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'UNKNOWN_FOLDER',
      message:
        'There is no folder "photos/2025" here: it has no job, no schedule and no policy (folders are listed by GET /folders)',
    });
  });

  it('refuses a folder that breaks the folder rule with 400 INVALID_FOLDER', async () => {
    for (const url of ['/folders/..%2Fetc', '/folders/..%2Fetc/policy']) {
      const response = await request('GET', url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_FOLDER',
        message: 'The folder must not have "." or ".." segments: got "../etc"',
      });
    }
  });

  it('lists a folder once a policy is set for it, with hasPolicy', async () => {
    const put = await request('PUT', '/folders/only%2Fpolicy/policy', { excludeIfPresent: '.nobackup' });
    expect(put.statusCode).toBe(200);
    const list = await request('GET', '/folders?limit=1000');
    expect(list.json().items).toContainEqual({
      folder: 'only/policy',
      ...NO_BACKUP,
      scheduleCount: 0,
      hasPolicy: true,
    });
    const one = await request('GET', '/folders/only%2Fpolicy');
    expect(one.json().policy).toEqual({
      exclude: [],
      excludeIfPresent: ['.nobackup'],
      maxFileSize: null,
      retention: null,
    });
    expect(Date.parse(one.json().policyUpdatedAt)).not.toBeNaN();
  });
});
