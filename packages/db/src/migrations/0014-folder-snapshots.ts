import type { Migration } from './migration.js';

/**
 * An index that reads a folder's snapshots newest first without a sort
 * (packages/db/src/snapshots/list-snapshots.ts): its backups that succeeded and were not pruned,
 * by when they finished, then by job.
 */
export const migration: Migration = {
  name: '0014-folder-snapshots',
  up: async (db) => {
    await db.query(`ALTER TABLE backup_job
      ADD INDEX backup_job_folder_snapshots (folder(191), kind, status, pruned_at, finished_at, seq)`);
  },
};
