import type { Migration } from './migration.js';

// The newest of a folder's backups that match `where`, one row per folder (a migration never
// changes: this is the rule as it was when it was written).
const newest = (
  where: string,
) => `SELECT CAST(folder AS BINARY) AS folder_bytes, id, seq, status, finished_at,
    error_code, result, snapshot, files_done, bytes_done, bytes_copied,
    ROW_NUMBER() OVER (PARTITION BY CAST(folder AS BINARY) ORDER BY finished_at DESC, seq DESC) AS n
  FROM backup_job WHERE kind = 'backup' AND ${where}`;

/**
 * `folder_summary`: one row per folder that has a job, a schedule or a policy, with what
 * `GET /folders` answers, kept in the transactions that record and end jobs, make and delete
 * schedules, set policies and mark snapshots pruned (packages/db/src/folders/folder-summary.ts), so
 * that the list reads it in key order instead of grouping `backup_job`.
 *
 * The folder is its UTF-8 bytes (at most 1000, so the whole of it is the key: the list is in byte
 * order, which is code point order). `last_*`: the newest backup that succeeded or failed;
 * `latest_*`: the newest snapshot (a backup that succeeded and was not pruned), both by
 * (finished_at, seq) as `GET /folders/{folder}/snapshots` orders them. Also an index on the
 * schedules by folder. The rows start from what is recorded (run it with the API and workers
 * stopped, as every migration).
 */
export const migration: Migration = {
  name: '0018-folder-summary',
  up: async (db) => {
    await db.query(`CREATE TABLE folder_summary(
      folder VARBINARY(1000) NOT NULL PRIMARY KEY,
      has_jobs BOOLEAN NOT NULL DEFAULT FALSE,
      schedules INT NOT NULL DEFAULT 0,
      has_policy BOOLEAN NOT NULL DEFAULT FALSE,
      last_job_id CHAR(36) NULL,
      last_seq BIGINT UNSIGNED NULL,
      last_status VARCHAR(16) NULL,
      last_finished_at DATETIME(3) NULL,
      last_error_code VARCHAR(64) NULL,
      last_added_bytes BIGINT NULL,
      last_success_at DATETIME(3) NULL,
      snapshots BIGINT NOT NULL DEFAULT 0,
      latest_job_id CHAR(36) NULL,
      latest_seq BIGINT UNSIGNED NULL,
      latest_finished_at DATETIME(3) NULL,
      latest_snapshot VARCHAR(1100) NULL,
      latest_files BIGINT NULL,
      latest_bytes BIGINT NULL
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await db.query('ALTER TABLE schedule ADD INDEX schedule_folder (folder(191), seq)');
    await db.query(`INSERT INTO folder_summary (folder, has_jobs, snapshots, last_success_at)
      SELECT CAST(folder AS BINARY), TRUE,
        SUM(kind = 'backup' AND status = 'succeeded' AND pruned_at IS NULL),
        MAX(CASE WHEN kind = 'backup' AND status = 'succeeded' THEN finished_at END)
      FROM backup_job GROUP BY CAST(folder AS BINARY)`);
    await db.query(`UPDATE folder_summary s
      JOIN (${newest("status IN ('succeeded', 'failed')")}) j ON j.folder_bytes = s.folder AND j.n = 1
      SET s.last_job_id = j.id, s.last_seq = j.seq, s.last_status = j.status,
        s.last_finished_at = j.finished_at, s.last_error_code = j.error_code,
        s.last_added_bytes = IF(j.status = 'succeeded',
          COALESCE(JSON_VALUE(j.result, '$.newBytes'), j.bytes_copied), NULL)`);
    await db.query(`UPDATE folder_summary s
      JOIN (${newest("status = 'succeeded' AND pruned_at IS NULL")}) j ON j.folder_bytes = s.folder AND j.n = 1
      SET s.latest_job_id = j.id, s.latest_seq = j.seq, s.latest_finished_at = j.finished_at,
        s.latest_snapshot = j.snapshot, s.latest_files = j.files_done, s.latest_bytes = j.bytes_done`);
    await db.query(`INSERT INTO folder_summary (folder, schedules)
      SELECT CAST(folder AS BINARY), COUNT(*) FROM schedule GROUP BY CAST(folder AS BINARY)
      ON DUPLICATE KEY UPDATE schedules = VALUES(schedules)`);
    await db.query(`INSERT INTO folder_summary (folder, has_policy)
      SELECT CAST(folder AS BINARY), TRUE FROM folder_policy
      ON DUPLICATE KEY UPDATE has_policy = TRUE`);
  },
};
