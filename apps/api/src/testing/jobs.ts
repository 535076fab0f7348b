import type { BackupJob, BackupResult } from '@strongbox/contract';
import { type Db, finishJob, insertJob, startJob } from '@strongbox/db';

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
