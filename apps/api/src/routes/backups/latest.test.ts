import { finishJob, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs } from '../../testing/jobs.js';
import { idOf, insertBackups } from '../../testing/snapshots.js';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

// A folder whose newest snapshot is backup 2: backup 3 is newer but failed, backup 4 newer still
// but pruned, and backup 1 older. Each test's folder is its own.
async function folderWithSnapshots(folder: string, first: number): Promise<string> {
  await insertBackups(t.db, [
    {
      id: idOf(first + 1),
      folder,
      status: 'succeeded',
      finishedAt: '2026-11-20T10:00:00.000Z',
      snapshot: `${folder}/1`,
    },
    {
      id: idOf(first + 2),
      folder,
      status: 'succeeded',
      finishedAt: '2026-11-21T10:00:00.000Z',
      snapshot: `${folder}/2`,
    },
    { id: idOf(first + 3), folder, status: 'failed', finishedAt: '2026-11-22T10:00:00.000Z' },
    {
      id: idOf(first + 4),
      folder,
      status: 'succeeded',
      finishedAt: '2026-11-23T10:00:00.000Z',
      snapshot: `${folder}/4`,
      prunedAt: '2026-11-24T10:00:00.000Z',
    },
  ]);
  return idOf(first + 2);
}

function post(url: string, payload?: object, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, payload, headers });
}

describe('POST /backups/latest/verify?folder=F', () => {
  it('queues a verify job of the newest snapshot of F, recording its backup id', async () => {
    const newest = await folderWithSnapshots('latest/verify', 100);
    const response = await post('/backups/latest/verify?folder=latest%2Fverify');
    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(job).toMatchObject({
      kind: 'verify',
      folder: 'latest/verify',
      status: 'queued',
      params: { backupId: newest },
    });
    expect(response.headers.location).toBe(`/backups/${job.id}`);
    expect((await t.app.inject({ method: 'GET', url: `/backups/${job.id}` })).json().params).toEqual({
      backupId: idOf(102),
    });
    expect((await t.queue.getJob(job.id))?.name).toBe('verify');
  });

  it('resolves when the request comes: a newer snapshot is the next request’s', async () => {
    await folderWithSnapshots('latest/moves', 200);
    const before = await post('/backups/latest/verify?folder=latest%2Fmoves');
    expect(before.json().params).toEqual({ backupId: idOf(202) });
    await insertBackups(t.db, [
      {
        id: idOf(205),
        folder: 'latest/moves',
        status: 'succeeded',
        finishedAt: '2026-11-25T10:00:00.000Z',
        snapshot: 'latest/moves/5',
      },
    ]);
    const after = await post('/backups/latest/verify?folder=latest%2Fmoves');
    expect(after.json().params).toEqual({ backupId: idOf(205) });
  });

  it('waits with ?wait like the id route: 200 with the job that succeeded', async () => {
    await folderWithSnapshots('latest/wait', 300);
    const headers = { 'idempotency-key': 'latest-wait' };
    const first = (await post('/backups/latest/verify?folder=latest%2Fwait', undefined, headers)).json();
    await startJob(t.db, first.id, 'test:1');
    await finishJob(t.db, first.id, {
      status: 'succeeded',
      kind: 'verify',
      result: { snapshot: 'latest/wait/2', files: 1, bytes: 10, durationMs: 3 },
    });
    const waited = await post('/backups/latest/verify?folder=latest%2Fwait&wait=5', undefined, headers);
    expect(waited.statusCode).toBe(200);
    expect(waited.json()).toMatchObject({
      id: first.id,
      status: 'succeeded',
      params: { backupId: idOf(302) },
      result: { snapshot: 'latest/wait/2' },
    });
  });
});

describe('POST /backups/latest/restore?folder=F', () => {
  it('queues a restore of the newest snapshot of F, whole or one path, recording its backup id', async () => {
    const newest = await folderWithSnapshots('latest/restore', 400);
    const whole = await post('/backups/latest/restore?folder=latest%2Frestore', { target: 'restored/whole' });
    expect(whole.statusCode).toBe(202);
    expect(whole.json()).toMatchObject({
      kind: 'restore',
      folder: 'latest/restore',
      params: { backupId: newest, target: 'restored/whole' },
    });
    const part = await post('/backups/latest/restore?folder=latest%2Frestore', {
      target: 'restored/part',
      path: 'sub/dir',
    });
    expect(part.statusCode).toBe(202);
    expect(part.json().params).toEqual({ backupId: idOf(402), target: 'restored/part', path: 'sub/dir' });
  });

  it('answers the first job to the same Idempotency-Key and request, even after a newer snapshot; refuses it for another', async () => {
    await folderWithSnapshots('latest/idem', 500);
    const headers = { 'idempotency-key': 'latest-idem' };
    const url = '/backups/latest/restore?folder=latest%2Fidem';
    const first = await post(url, { target: 'restored/idem' }, headers);
    expect(first.statusCode).toBe(202);
    expect(first.json().params.backupId).toBe(idOf(502));
    await insertBackups(t.db, [
      {
        id: idOf(505),
        folder: 'latest/idem',
        status: 'succeeded',
        finishedAt: '2026-11-25T10:00:00.000Z',
        snapshot: 'latest/idem/5',
      },
    ]);
    const again = await post(url, { target: 'restored/idem' }, headers);
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual(first.json());

    await folderWithSnapshots('latest/other', 600);
    const refused = [
      await post(url, { target: 'restored/elsewhere' }, headers),
      await post('/backups/latest/restore?folder=latest%2Fother', { target: 'restored/idem' }, headers),
      await post(`/backups/${idOf(505)}/restore`, { target: 'restored/idem' }, headers),
      await post('/backups/latest/verify?folder=latest%2Fidem', undefined, headers),
    ];
    for (const response of refused) {
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    }
  });
});

describe('latest refused', () => {
  const routes = [
    ['/backups/latest/verify', undefined, 'verifies'],
    ['/backups/latest/restore', { target: 'restored/none' }, 'restores'],
  ] as const;

  it('without ?folder: 400 INVALID_QUERY naming it, and no job', async () => {
    const jobs = await countJobs(t.db);
    for (const [url, payload, does] of routes) {
      const response = await post(url, payload);
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_QUERY',
        message: `latest needs the folder whose newest snapshot it ${does}: add ?folder=, URL-encoded (?folder=photos%2F2024)`,
      });
    }
    expect(await countJobs(t.db)).toBe(jobs);
  });

  it('for a folder with no snapshot: 409 SNAPSHOT_UNAVAILABLE saying so, and no job', async () => {
    await insertBackups(t.db, [
      {
        id: idOf(700),
        folder: 'latest/none',
        status: 'succeeded',
        finishedAt: '2026-11-20T10:00:00.000Z',
        snapshot: 'latest/none/0',
        prunedAt: '2026-11-21T10:00:00.000Z',
      },
      { id: idOf(701), folder: 'latest/none', status: 'failed', finishedAt: '2026-11-22T10:00:00.000Z' },
    ]);
    const jobs = await countJobs(t.db);
    for (const [url, payload] of routes) {
      for (const folder of ['latest%2Fnone', 'never%2Fbacked%2Fup']) {
        const response = await post(`${url}?folder=${folder}`, payload);
        expect(response.statusCode, url).toBe(409);
        expect(response.json(), url).toEqual({
          statusCode: 409,
          error: 'Conflict',
          code: 'SNAPSHOT_UNAVAILABLE',
          message: `Folder "${decodeURIComponent(folder)}" has no snapshot: none of its backups succeeded, or retention deleted every snapshot; back it up first (POST /backups)`,
        });
      }
    }
    expect(await countJobs(t.db)).toBe(jobs);
  });

  it('for a folder the rule refuses: 400 INVALID_FOLDER; for an unknown parameter: 400 UNKNOWN_PARAMETER', async () => {
    for (const [url, payload] of routes) {
      const bad = await post(`${url}?folder=..%2Fetc`, payload);
      expect(bad.statusCode, url).toBe(400);
      expect(bad.json(), url).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'INVALID_FOLDER',
        message: 'The folder must not have "." or ".." segments: got "../etc"',
      });
      const unknown = await post(`${url}?folder=a&id=${idOf(1)}`, payload);
      expect(unknown.statusCode, url).toBe(400);
      expect(unknown.json().message, url).toBe(
        `Unknown query parameter "id": POST ${url} takes wait, folder`,
      );
    }
  });
});
