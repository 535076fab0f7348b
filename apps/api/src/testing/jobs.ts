import type { BackupJob, BackupResult, Job } from '@strongbox/contract';
import { type Db, finishJob, insertJob, listJobs, startJob } from '@strongbox/db';

/** What a backup that copied `files` files of `bytes` bytes in all reports. */
export function backupResult(snapshot: string, files = 1, bytes = 10): BackupResult {
  return {
    snapshot,
    files,
    bytes,
    copiedFiles: files,
    copiedBytes: bytes,
    linkedFiles: 0,
    skipped: 0,
    warnings: [],
    durationMs: 5,
  };
}

/** Plays the worker for a backup of `folder`: records it, runs it, ends it with a snapshot. */
export async function succeededBackup(db: Db, folder: string, files = 1, bytes = 10): Promise<BackupJob> {
  const { job } = await insertJob(db, { kind: 'backup', folder });
  await startJob(db, job.id, 'test:1');
  const ended = await finishJob(db, job.id, {
    status: 'succeeded',
    kind: 'backup',
    result: backupResult(`${folder}/snap`, files, bytes),
  });
  if (ended?.kind !== 'backup') throw new Error(`backup ${job.id} did not end`);
  return ended;
}

/**
 * Plays the worker for a request still waiting (`?wait`): as soon as the API has recorded a job for
 * `folder`, starts it and ends it with `end`.
 */
export async function endWhenRecorded(
  db: Db,
  folder: string,
  end: (job: Job) => Promise<unknown>,
): Promise<void> {
  for (;;) {
    const [job] = (await listJobs(db, { folder, limit: 1 })).items;
    if (job) {
      await startJob(db, job.id, 'test:1');
      await end(job);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How many jobs the database holds. */
export async function countJobs(db: Db): Promise<number> {
  const [rows] = await db.query('SELECT COUNT(*) AS n FROM backup_job');
  return Number((rows as { n: number }[])[0]?.n);
}

/** Plays the worker for a backup of `folder` that fails with `code`. */
export async function failedBackup(db: Db, folder: string, code = 'NO_SUCH_DIRECTORY'): Promise<BackupJob> {
  const { job } = await insertJob(db, { kind: 'backup', folder });
  await startJob(db, job.id, 'test:1');
  const ended = await finishJob(db, job.id, {
    status: 'failed',
    error: { code, message: `${code}: ${folder}` },
  });
  if (ended?.kind !== 'backup') throw new Error(`backup ${job.id} did not end`);
  return ended;
}
