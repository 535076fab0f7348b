import type { Migration } from './migration.js';

/**
 * What an alert per folder and a count of failures by error code read at every scrape of
 * /metrics, kept in the transaction that ends each job instead of grouped from the jobs each time:
 *
 * - `folder_backup`: per folder, when its newest successful and newest failed backup ended. The
 *   folder (up to 1000 bytes) is keyed by its SHA-256; the index on `last_success_at` lets
 *   /metrics read the folders whose last success is oldest first, without a sort.
 * - `job_failure_count`: per kind and error code, how many jobs ended failed.
 *
 * Both start from the jobs already recorded (run it with the API and workers stopped, as every
 * migration).
 */
export const migration: Migration = {
  name: '0011-folder-backups-and-failures',
  up: async (db) => {
    await db.query(`CREATE TABLE folder_backup(
      folder_key CHAR(64) NOT NULL PRIMARY KEY,
      folder VARCHAR(1000) NOT NULL,
      last_success_at DATETIME(3) NULL,
      last_failure_at DATETIME(3) NULL,
      INDEX folder_backup_last_success (last_success_at)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await db.query(`CREATE TABLE job_failure_count(
      kind VARCHAR(16) NOT NULL,
      code VARCHAR(64) NOT NULL,
      failures BIGINT NOT NULL DEFAULT 0,
      PRIMARY KEY (kind, code)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await db.query(`INSERT INTO folder_backup (folder_key, folder, last_success_at, last_failure_at)
      SELECT SHA2(folder, 256), folder,
        MAX(CASE WHEN status = 'succeeded' THEN finished_at END),
        MAX(CASE WHEN status = 'failed' THEN finished_at END)
      FROM backup_job WHERE kind = 'backup' AND status IN ('succeeded', 'failed')
      GROUP BY folder`);
    await db.query(`INSERT INTO job_failure_count (kind, code, failures)
      SELECT kind, COALESCE(error_code, 'INTERNAL'), COUNT(*)
      FROM backup_job WHERE status = 'failed'
      GROUP BY kind, COALESCE(error_code, 'INTERNAL')`);
  },
};
