import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { finishJob, insertJob, markPruned, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../testing/test-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

// A backup that a worker ran to the end, with its snapshot.
async function succeededBackup(folder: string): Promise<string> {
  const { job } = await insertJob(t.db, { kind: 'backup', folder });
  await startJob(t.db, job.id, 'test:1');
  await finishJob(t.db, job.id, { status: 'succeeded', result: {}, snapshot: `${folder}/snap` });
  return job.id;
}

describe('POST /backups/{id}/verify', () => {
  it('queues a verify job for the backup’s snapshot', async () => {
    const backupId = await succeededBackup('verify/me');
    const response = await t.app.inject({ method: 'POST', url: `/backups/${backupId}/verify` });
    expect(response.statusCode).toBe(202);
    const job = response.json();
    expect(job).toMatchObject({
      kind: 'verify',
      folder: 'verify/me',
      status: 'queued',
      params: { backupId },
    });
    expect(response.headers.location).toBe(`/backups/${job.id}`);
    expect((await t.queue.getJob(job.id))?.name).toBe('verify');
  });

  it('refuses a backup that has no snapshot (not succeeded, or pruned) with 409', async () => {
    const { job: queued } = await insertJob(t.db, { kind: 'backup', folder: 'verify/queued' });
    const notYet = await t.app.inject({ method: 'POST', url: `/backups/${queued.id}/verify` });
    expect(notYet.statusCode).toBe(409);
    expect(notYet.json().code).toBe('SNAPSHOT_UNAVAILABLE');

    const pruned = await succeededBackup('verify/pruned');
    await markPruned(t.db, ['verify/pruned/snap']);
    const gone = await t.app.inject({ method: 'POST', url: `/backups/${pruned}/verify` });
    expect(gone.statusCode).toBe(409);
    expect(gone.json().message).toContain('retention');
  });

  it('answers 404 for an unknown backup and for a job that is not a backup', async () => {
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/backups/00000000-0000-4000-8000-000000000000/verify',
    });
    expect(unknown.statusCode).toBe(404);
    const backupId = await succeededBackup('verify/twice');
    const verify = (await t.app.inject({ method: 'POST', url: `/backups/${backupId}/verify` })).json();
    const nested = await t.app.inject({ method: 'POST', url: `/backups/${verify.id}/verify` });
    expect(nested.statusCode).toBe(404);
  });
});

describe('POST /backups/{id}/restore', () => {
  it('queues a restore job of the whole snapshot or one path in it', async () => {
    const backupId = await succeededBackup('restore/me');
    const whole = await t.app.inject({
      method: 'POST',
      url: `/backups/${backupId}/restore`,
      payload: { target: 'restored/whole' },
    });
    expect(whole.statusCode).toBe(202);
    expect(whole.json()).toMatchObject({
      kind: 'restore',
      folder: 'restore/me',
      params: { backupId, target: 'restored/whole' },
    });
    const part = await t.app.inject({
      method: 'POST',
      url: `/backups/${backupId}/restore`,
      payload: { target: 'restored/part', path: 'sub/dir' },
    });
    expect(part.statusCode).toBe(202);
    expect(part.json().params).toEqual({ backupId, target: 'restored/part', path: 'sub/dir' });
    expect((await t.queue.getJob(part.json().id))?.data).toEqual({ id: part.json().id });
  });

  it('refuses a target that already exists with 409', async () => {
    const backupId = await succeededBackup('restore/exists');
    await mkdir(path.join(t.config.sourceRoot, 'already/there'), { recursive: true });
    const response = await t.app.inject({
      method: 'POST',
      url: `/backups/${backupId}/restore`,
      payload: { target: 'already/there' },
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'TARGET_EXISTS' });
  });

  it('refuses a bad target or path with 400, queueing nothing', async () => {
    const backupId = await succeededBackup('restore/bad');
    const cases = [
      [{ target: '../escape' }, 'INVALID_TARGET'],
      [{ target: '/abs' }, 'INVALID_TARGET'],
      [{ target: '' }, 'INVALID_TARGET'],
      [{ target: 'ok/target', path: 'a//b' }, 'INVALID_PATH'],
      [{ target: 'ok/target', path: '..' }, 'INVALID_PATH'],
      [{ target: 7 }, 'VALIDATION'],
    ] as const;
    for (const [payload, code] of cases) {
      const response = await t.app.inject({ method: 'POST', url: `/backups/${backupId}/restore`, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().code, JSON.stringify(payload)).toBe(code);
    }
    const [rows] = await t.db.query(
      "SELECT COUNT(*) AS n FROM backup_job WHERE kind = 'restore' AND folder = 'restore/bad'",
    );
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
  });

  it('waits for the restore with ?wait like a backup', async () => {
    const backupId = await succeededBackup('restore/wait');
    const first = (
      await t.app.inject({
        method: 'POST',
        url: `/backups/${backupId}/restore`,
        headers: { 'idempotency-key': 'restore-wait' },
        payload: { target: 'restored/wait' },
      })
    ).json();
    await startJob(t.db, first.id, 'test:1');
    await finishJob(t.db, first.id, {
      status: 'failed',
      error: { code: 'NO_SUCH_PATH', message: 'No such path in the snapshot: x' },
    });
    const waited = await t.app.inject({
      method: 'POST',
      url: `/backups/${backupId}/restore?wait=5`,
      headers: { 'idempotency-key': 'restore-wait' },
      payload: { target: 'restored/wait' },
    });
    expect(waited.statusCode).toBe(500);
    expect(waited.json()).toMatchObject({ id: first.id, status: 'failed', error: { code: 'NO_SUCH_PATH' } });
  });
});
