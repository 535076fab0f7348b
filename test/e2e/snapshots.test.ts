import { lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isTerminal, type JobStatus } from '@strongbox/contract';
import { tryLockFolder } from '@strongbox/worker';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { call, holdUntilFile, makeFolder, type Stack, startStack, waitFor, waitForJob } from './stack.js';
import { expectSameTree } from './tree.js';

let stack: Stack;
let hooksDir: string;
let release: string;

beforeAll(async () => {
  // The folder `progress` has an after hook that waits until the file `release` exists.
  hooksDir = await mkdtemp(path.join(tmpdir(), 'strongbox-hooks-'));
  release = path.join(hooksDir, 'release');
  const hooks = {
    hooks: [
      { folder: 'progress', after: holdUntilFile('RELEASE'), timeoutSeconds: 120, env: { RELEASE: release } },
    ],
  };
  await writeFile(path.join(hooksDir, 'hooks.json'), JSON.stringify(hooks));
  stack = await startStack({
    workers: 2,
    env: { RETENTION_KEEP_LAST: '2', HOOKS_FILE: path.join(hooksDir, 'hooks.json') },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (hooksDir) await rm(hooksDir, { recursive: true, force: true });
});

async function backup(folder: string) {
  const answer = await call(stack, 'POST', '/backups?wait=60', { folder });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

describe('incremental snapshots', () => {
  it('hard-links unchanged files and copies only changed ones', async () => {
    const root = await makeFolder(stack, 'incr', { 'a.txt': 'a', 'b.txt': 'b', 'sub/c.txt': 'c' });
    const first = await backup('incr');
    expect(first.result).toMatchObject({ files: 3, copiedFiles: 3, linkedFiles: 0 });
    const second = await backup('incr');
    expect(second.result).toMatchObject({ files: 3, copiedFiles: 0, linkedFiles: 3, copiedBytes: 0 });
    const inode = async (job: { result: { snapshot: string } }, name: string) =>
      (await stat(path.join(stack.backupFolder, job.result.snapshot, name))).ino;
    expect(await inode(second, 'sub/c.txt')).toBe(await inode(first, 'sub/c.txt'));

    await writeFile(path.join(root, 'b.txt'), 'changed');
    const third = await backup('incr');
    expect(third.result).toMatchObject({ files: 3, copiedFiles: 1, linkedFiles: 2 });
    expect(await readFile(path.join(stack.backupFolder, third.result.snapshot, 'b.txt'), 'utf8')).toBe(
      'changed',
    );
    await expectSameTree(path.join(stack.backupFolder, third.result.snapshot), root);

    // RETENTION_KEEP_LAST=2: the first snapshot is gone, its job marked pruned, newer ones intact.
    const pruned = (await call(stack, 'GET', `/backups/${first.id}`)).body;
    expect(pruned.prunedAt).toMatch(/Z$/);
    await expect(lstat(path.join(stack.backupFolder, first.result.snapshot))).rejects.toThrow();
    expect(await readFile(path.join(stack.backupFolder, third.result.snapshot, 'sub/c.txt'), 'utf8')).toBe(
      'c',
    );
    const refused = await call(stack, 'POST', `/backups/${first.id}/verify`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('SNAPSHOT_UNAVAILABLE');
  });
});

describe('verify', () => {
  it('passes on an intact snapshot and names the file whose byte was flipped', async () => {
    await makeFolder(stack, 'verify-me', { 'good.txt': 'good', 'bad.txt': 'original' });
    const done = await backup('verify-me');
    const ok = await call(stack, 'POST', `/backups/${done.id}/verify?wait=60`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ kind: 'verify', status: 'succeeded', params: { backupId: done.id } });

    await writeFile(path.join(stack.backupFolder, done.result.snapshot, 'bad.txt'), 'Original');
    const corrupt = await call(stack, 'POST', `/backups/${done.id}/verify?wait=60`);
    expect(corrupt.body).toMatchObject({
      kind: 'verify',
      status: 'failed',
      error: { code: 'SNAPSHOT_CORRUPT' },
    });
    expect(corrupt.body.error.message).toContain('bad.txt');
    expect(corrupt.body.error.message).not.toContain('good.txt');

    const [rows] = await stack.db.query<RowDataPacket[]>(
      "SELECT status FROM log WHERE action = 'Verify' AND job_id IN (?, ?) ORDER BY id",
      [ok.body.id, corrupt.body.id],
    );
    expect(rows.map((row) => row.status)).toEqual(['SUCCESS', 'FAILED']);
  });
});

describe('restore', () => {
  it('writes a snapshot, or one path of it, into a new folder and never over an existing one', async () => {
    const root = await makeFolder(stack, 'restore-me', {
      'top.txt': 'top',
      'inner/x.txt': 'x',
      'inner/y.txt': 'y',
    });
    const done = await backup('restore-me');

    const whole = await call(stack, 'POST', `/backups/${done.id}/restore?wait=60`, {
      target: 'restored/all',
    });
    expect(whole.status, JSON.stringify(whole.body)).toBe(200);
    expect(whole.body).toMatchObject({ kind: 'restore', status: 'succeeded' });
    await expectSameTree(path.join(stack.sourceRoot, 'restored/all'), root);

    const part = await call(stack, 'POST', `/backups/${done.id}/restore?wait=60`, {
      target: 'restored/inner',
      path: 'inner',
    });
    expect(part.status).toBe(200);
    await expectSameTree(path.join(stack.sourceRoot, 'restored/inner'), path.join(root, 'inner'));

    // The API accepts the job; the worker finds the target there and fails it, touching nothing.
    const again = await call(stack, 'POST', `/backups/${done.id}/restore?wait=60`, {
      target: 'restored/all',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      kind: 'restore',
      status: 'failed',
      attempts: 1,
      error: { code: 'TARGET_EXISTS' },
    });
    await expectSameTree(path.join(stack.sourceRoot, 'restored/all'), root);
    const refused = await call(stack, 'POST', `/backups/${done.id}/restore`, { target: '../out' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('INVALID_TARGET');

    const [rows] = await stack.db.query<RowDataPacket[]>(
      "SELECT status FROM log WHERE action = 'Restore' AND job_id IN (?, ?, ?) ORDER BY id",
      [whole.body.id, part.body.id, again.body.id],
    );
    expect(rows.map((row) => row.status)).toEqual(['SUCCESS', 'SUCCESS', 'FAILED']);
  });
});

describe('one backup of a folder at a time', () => {
  it('keeps a backup waiting while another holds its folder, and answers the queued job to a second request', async () => {
    await makeFolder(stack, 'busy', { 'f.txt': 'f' });
    const lock = await tryLockFolder(stack.db, 'busy');
    expect(lock).not.toBeNull();
    const first = await call(stack, 'POST', '/backups', { folder: 'busy' });
    const second = await call(stack, 'POST', '/backups', { folder: 'busy' });
    expect(second.body.id).toBe(first.body.id);
    // A worker has taken the job and put it back to wait for the folder (it logs each time).
    await waitFor(
      async () =>
        stack
          .output()
          .split('\n')
          .some(
            (line) =>
              line.includes(first.body.id) && line.includes('another backup of this folder is running'),
          ),
      30_000,
      () => `no worker took the job:\n${stack.output()}`,
    );
    expect((await call(stack, 'GET', `/backups/${first.body.id}`)).body).toMatchObject({
      status: 'queued',
      attempts: 0,
    });
    await lock?.release();
    const job = await waitForJob(stack, first.body.id);
    expect(job.status).toBe('succeeded');
  });
});

describe('progress', () => {
  it('shows the files and bytes done, with their totals, while the job still runs (held in its after hook)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2_000; i++) files[`d${i % 20}/f${i}.txt`] = 'x'.repeat(1 + (i % 500));
    await makeFolder(stack, 'progress', files);
    // The folder's after hook waits for the release file: the job stays running, its copy done,
    // until the test has looked. Whatever happens here, the hook is let go.
    onTestFinished(() => writeFile(release, ''));
    const posted = await call(stack, 'POST', '/backups', { folder: 'progress' });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    type Seen = {
      status: JobStatus;
      progress: {
        filesDone: number;
        filesTotal: number | null;
        bytesDone: number;
        bytesTotal: number | null;
      };
    };
    let job: Seen | undefined;
    await waitFor(
      async () => {
        job = (await call(stack, 'GET', `/backups/${posted.body.id}`)).body;
        return (
          (job!.status === 'running' &&
            job!.progress.filesTotal === 2_000 &&
            job!.progress.filesDone === 2_000) ||
          isTerminal(job!.status)
        );
      },
      30_000,
      () => `the backup was never seen running with its figures: ${JSON.stringify(job)}`,
    );
    const bytes = Object.values(files).reduce((sum, content) => sum + content.length, 0);
    expect(job).toEqual(
      expect.objectContaining({
        status: 'running',
        progress: { filesDone: 2_000, filesTotal: 2_000, bytesDone: bytes, bytesTotal: bytes },
      }),
    );
    await writeFile(release, '');
    const ended = await waitForJob(stack, posted.body.id);
    expect(ended.status).toBe('succeeded');
    expect(ended.progress).toEqual({
      filesDone: 2_000,
      filesTotal: 2_000,
      bytesDone: bytes,
      bytesTotal: bytes,
    });
  });
});
