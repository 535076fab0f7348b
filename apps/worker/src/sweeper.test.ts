import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { finishJob, getJob, insertJob, startJob } from '@strongbox/db';
import { EngineError, folderKey, prepareBackupFolder, runBackup } from '@strongbox/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryLockFolder } from './folder-lock.js';
import { RUNNERS } from './runners.js';
import { sweepBackupFolder } from './sweeper.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from './testing/test-worker.js';

let env: WorkerTestEnv;
beforeAll(async () => {
  env = await startWorkerTestEnv();
  await mkdir(env.config.backupFolder);
  await prepareBackupFolder(env.config.backupFolder);
});
afterAll(async () => {
  await env?.close();
});

const entriesOf = async (folder: string) =>
  (await readdir(path.join(env.config.backupFolder, folderKey(folder)))).sort();
const filesOf = (snapshot: string) => {
  const name = path.basename(snapshot);
  return [name, `${name}.manifest.jsonl`];
};

/** A snapshot made for `jobId` as a worker killed right after renaming it into place leaves it. */
async function snapshotOfKilledAttempt(folder: string, jobId: string): Promise<string> {
  const made = await runBackup({
    sourceRoot: env.config.sourceRoot,
    backupFolder: env.config.backupFolder,
    folder,
    jobId,
  });
  return made.snapshot;
}

describe('the sweep of the backup folder', () => {
  it('removes a complete snapshot whose job ended otherwise, and keeps those MySQL references or may', async () => {
    const folder = 'sweep/orphans';
    await env.makeFolder(folder, { 'a.txt': 'alpha' });
    const sweep = () => sweepBackupFolder({ config: env.config, db: env.db, logger: env.logger });

    // Succeeded with its snapshot: referenced.
    const { job: done } = await insertJob(env.db, { kind: 'backup', folder });
    await startJob(env.db, done.id, 'w:1');
    const kept = await runBackup({
      sourceRoot: env.config.sourceRoot,
      backupFolder: env.config.backupFolder,
      folder,
      jobId: done.id,
    });
    await finishJob(env.db, done.id, { status: 'succeeded', kind: 'backup', result: kept });
    // Made, then its job failed (its workers kept dying): nothing will ever reference it.
    const { job: lost } = await insertJob(env.db, { kind: 'backup', folder });
    await startJob(env.db, lost.id, 'w:1');
    const orphan = await snapshotOfKilledAttempt(folder, lost.id);
    await finishJob(env.db, lost.id, { status: 'failed', error: { code: 'WORKER_LOST', message: 'lost' } });
    // Made, and its job still running: its next attempt adopts it.
    const { job: running } = await insertJob(env.db, { kind: 'backup', folder });
    await startJob(env.db, running.id, 'w:1');
    const adoptable = await snapshotOfKilledAttempt(folder, running.id);
    // Made by a job this database does not know.
    const unknown = await snapshotOfKilledAttempt(folder, '00000000-0000-4000-8000-000000000000');

    expect(await sweep()).toEqual({ removed: { [folder]: [path.basename(orphan)] }, busy: [] });
    expect(await entriesOf(folder)).toEqual(
      ['.folder.json', ...[kept.snapshot, adoptable, unknown].flatMap(filesOf)].sort(),
    );
    expect(await sweep()).toEqual({ removed: {}, busy: [] });
    await finishJob(env.db, running.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'x' } });
  });

  it('leaves a folder whose backup holds its lock for later', async () => {
    const folder = 'sweep/busy';
    await env.makeFolder(folder, { 'a.txt': 'alpha' });
    await mkdir(path.join(env.config.backupFolder, folderKey(folder), '.dead-000000000000'), {
      recursive: true,
    });
    const lock = await tryLockFolder(env.db, folder);
    try {
      const report = await sweepBackupFolder({
        config: env.config,
        db: env.db,
        logger: env.logger,
      });
      expect(report.busy).toEqual([folder]);
      expect(await entriesOf(folder)).toContain('.dead-000000000000');
    } finally {
      await lock?.release();
    }
  });

  it('runs when a worker starts, in folders no backup visits again', async () => {
    const folder = 'sweep/at-start';
    const dir = path.join(env.config.backupFolder, folderKey(folder));
    // What a worker killed mid-cleanup leaves, in a folder never backed up again.
    await mkdir(path.join(dir, '.dead-111111111111/tree'), { recursive: true });
    await env.startWorker();
    await waitUntil(
      async () => !(await readdir(dir)).includes('.dead-111111111111'),
      () => 'the sweep at start never removed the tombstone',
    );
    await env.stopWorkers();
  });
});

describe('a retry of a backup whose snapshot was put in place', () => {
  it('adopts that snapshot and records the result of the attempt that made it', async () => {
    const folder = 'adopt/me';
    await env.makeFolder(folder, { 'a.txt': 'alpha', 'b/c.txt': 'gamma' });
    let firstResult: unknown;
    await env.startWorker({
      runners: {
        ...RUNNERS,
        backup: async (job, context) => {
          const result = await RUNNERS.backup(job, context);
          if (firstResult === undefined) {
            // The attempt dies after its rename, before its end is recorded.
            firstResult = result;
            throw new EngineError('IO_ERROR', 'cut off after the rename', { transient: true });
          }
          return result;
        },
      },
    });
    const { job } = await insertJob(env.db, { kind: 'backup', folder });
    await env.queue.add(
      'backup',
      { id: job.id },
      { jobId: job.id, attempts: 3, backoff: { type: 'fixed', delay: 20 } },
    );
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(ended.result).toEqual(firstResult);
    expect(ended.result).toMatchObject({ files: 2, copiedFiles: 2, linkedFiles: 0 });
    expect(await entriesOf(folder)).toEqual(
      ['.folder.json', ...filesOf((ended.result as { snapshot: string }).snapshot)].sort(),
    );
    expect((await getJob(env.db, job.id))?.status).toBe('succeeded');
    await env.stopWorkers();
  });
});
