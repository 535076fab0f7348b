import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finishJob, insertJob, markPruned, startJob } from '@strongbox/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeededBackup as recordBackup } from '../../testing/jobs.js';
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
  return (await recordBackup(t.db, folder)).id;
}

async function restore(backupId: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/backups/${backupId}/restore`,
    payload: payload as object,
    headers,
  });
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
    expect((await t.queue.getJob(part.json().id))?.data).toEqual({
      id: part.json().id,
      folder: 'restore/me',
    });
  });

  it('accepts a target that already exists: the worker finds it out when the job runs', async () => {
    const backupId = await succeededBackup('restore/exists');
    await mkdir(path.join(t.config.sourceRoot, 'already/there'), { recursive: true });
    await writeFile(path.join(t.config.sourceRoot, 'already/file'), 'x');
    for (const target of ['already/there', 'already/file/below']) {
      const response = await restore(backupId, { target });
      expect(response.statusCode, target).toBe(202);
      expect(response.json()).toMatchObject({
        kind: 'restore',
        status: 'queued',
        params: { backupId, target },
      });
    }
  });

  it('answers the same whether or not a file exists behind a symlink that leads outside', async () => {
    const backupId = await succeededBackup('restore/oracle');
    const outside = await mkdtemp(path.join(tmpdir(), 'strongbox-outside-'));
    try {
      await writeFile(path.join(outside, 'secret.txt'), 'secret');
      await symlink(outside, path.join(t.config.sourceRoot, 'outlink'));
      const present = await restore(backupId, { target: 'outlink/secret.txt' });
      const absent = await restore(backupId, { target: 'outlink/nothing.txt' });
      expect([present.statusCode, absent.statusCode]).toEqual([202, 202]);
      expect(present.json().params.target).toBe('outlink/secret.txt');
      expect(absent.json().params.target).toBe('outlink/nothing.txt');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('leaves a target through a symlink loop to the worker instead of failing with 500', async () => {
    const backupId = await succeededBackup('restore/loop');
    await symlink('loop-b', path.join(t.config.sourceRoot, 'loop-a'));
    await symlink('loop-a', path.join(t.config.sourceRoot, 'loop-b'));
    const response = await restore(backupId, { target: 'loop-a/restored' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ kind: 'restore', status: 'queued' });
  });

  it('refuses a target or path with a name over 255 bytes, or not well-formed, with 400', async () => {
    const backupId = await succeededBackup('restore/names');
    const cases = [
      [
        { target: `restored/${'t'.repeat(256)}` },
        'INVALID_TARGET',
        'The target must not have a segment longer than 255 bytes',
      ],
      [
        { target: 'ok', path: `sub/${'p'.repeat(256)}` },
        'INVALID_PATH',
        'The path must not have a segment longer than 255 bytes',
      ],
      [
        { target: 'bad\udfffname' },
        'INVALID_TARGET',
        'The target must be well-formed Unicode: it has a lone surrogate',
      ],
      [
        { target: 'ok', path: '\ud800' },
        'INVALID_PATH',
        'The path must be well-formed Unicode: it has a lone surrogate',
      ],
    ] as const;
    for (const [payload, code, message] of cases) {
      const response = await restore(backupId, payload);
      expect(response.statusCode, code).toBe(400);
      expect(response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code });
      expect(response.json().message.startsWith(`${message}: got "`)).toBe(true);
    }
    const [rows] = await t.db.query(
      "SELECT COUNT(*) AS n FROM backup_job WHERE kind = 'restore' AND folder = 'restore/names'",
    );
    expect(Number((rows as { n: number }[])[0]?.n)).toBe(0);
  });

  it('refuses an Idempotency-Key reused for another restore, or for a verify, with 422', async () => {
    const backupId = await succeededBackup('restore/idem');
    const headers = { 'idempotency-key': 'restore-key' };
    const first = await restore(backupId, { target: 'restored/idem' }, headers);
    expect(first.statusCode).toBe(202);
    const same = await restore(backupId, { target: 'restored/idem' }, headers);
    expect(same.json().id).toBe(first.json().id);
    const otherTarget = await restore(backupId, { target: 'restored/other' }, headers);
    const otherPath = await restore(backupId, { target: 'restored/idem', path: 'sub' }, headers);
    const verify = await t.app.inject({ method: 'POST', url: `/backups/${backupId}/verify`, headers });
    for (const response of [otherTarget, otherPath, verify]) {
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    }
  });

  it('waits for the restore with ?wait like a backup: 404 for a path the snapshot does not have', async () => {
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
    expect(waited.statusCode).toBe(404);
    expect(waited.json()).toMatchObject({ id: first.id, status: 'failed', error: { code: 'NO_SUCH_PATH' } });
  });
});
