import type { Migration } from './migration.js';

// The kinds and statuses as they were when this migration was written (a migration never changes).
const KINDS = ['backup', 'verify', 'restore'];
const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
/** Rows per kind and status; see packages/db/src/jobs/count-jobs.ts. */
const SLOTS = 16;

/**
 * Totals kept as the jobs change instead of counted on each call: `job_count` holds, per kind and
 * status, how many jobs there are and what the succeeded ones copied. Each kind and status is spread
 * over 16 slot rows so that concurrent transactions rarely wait for the same row; a total is the sum
 * of its slots. The rows start from the jobs already recorded, so existing data keeps exact totals
 * (run it with the previous API and workers stopped, as every migration). Also indexes that let
 * every list filter read its page in order without sorting: jobs by kind and status, logs by status.
 */
export const migration: Migration = {
  name: '0006-job-counts',
  up: async (db) => {
    await db.query(`CREATE TABLE job_count(
      kind VARCHAR(16) NOT NULL,
      status VARCHAR(16) NOT NULL,
      slot TINYINT UNSIGNED NOT NULL,
      jobs BIGINT NOT NULL DEFAULT 0,
      files_copied BIGINT NOT NULL DEFAULT 0,
      bytes_copied BIGINT NOT NULL DEFAULT 0,
      last_finished_at DATETIME(3) NULL,
      PRIMARY KEY (kind, status, slot)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const zeros = KINDS.flatMap((kind) =>
      STATUSES.flatMap((status) => Array.from({ length: SLOTS }, (_, slot) => [kind, status, slot])),
    );
    await db.query('INSERT INTO job_count (kind, status, slot) VALUES ?', [zeros]);
    await db.query(`INSERT INTO job_count (kind, status, slot, jobs, files_copied, bytes_copied, last_finished_at)
      SELECT kind, status, 0, COUNT(*), COALESCE(SUM(files_copied), 0), COALESCE(SUM(bytes_copied), 0),
        MAX(CASE WHEN status = 'succeeded' THEN finished_at END)
      FROM backup_job GROUP BY kind, status
      ON DUPLICATE KEY UPDATE jobs = VALUES(jobs), files_copied = VALUES(files_copied),
        bytes_copied = VALUES(bytes_copied), last_finished_at = VALUES(last_finished_at)`);
    await db.query(`ALTER TABLE backup_job
      ADD INDEX backup_job_kind_status_seq (kind, status, seq)`);
    await db.query('ALTER TABLE log ADD INDEX log_status_date_id (status, date, id)');
  },
};
