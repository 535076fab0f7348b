import type { Migration } from './migration.js';

/**
 * One row per job: the job object of the contract. `seq` orders jobs newest first for cursor
 * pagination; `queued_key` is set only while a backup is queued, so the unique index allows one
 * queued backup per folder; `idempotency_key` holds a hash of the client's Idempotency-Key.
 */
export const migration: Migration = {
  name: '0003-create-backup-job',
  up: async (db) => {
    await db.query(`CREATE TABLE backup_job(
      seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      id CHAR(36) NOT NULL,
      kind VARCHAR(16) NOT NULL,
      folder VARCHAR(1000) NOT NULL,
      schedule_id CHAR(36) NULL,
      params TEXT NULL,
      status VARCHAR(16) NOT NULL,
      attempts INT NOT NULL DEFAULT 0,
      worker VARCHAR(255) NULL,
      created_at DATETIME(3) NOT NULL,
      started_at DATETIME(3) NULL,
      finished_at DATETIME(3) NULL,
      files_done BIGINT NOT NULL DEFAULT 0,
      files_total BIGINT NULL,
      bytes_done BIGINT NOT NULL DEFAULT 0,
      bytes_total BIGINT NULL,
      result TEXT NULL,
      snapshot VARCHAR(1100) NULL,
      files_copied BIGINT NULL,
      bytes_copied BIGINT NULL,
      error_code VARCHAR(64) NULL,
      error_message VARCHAR(2000) NULL,
      queued_key CHAR(64) NULL,
      idempotency_key CHAR(64) NULL,
      pruned_at DATETIME(3) NULL,
      UNIQUE INDEX backup_job_id (id),
      UNIQUE INDEX backup_job_queued_key (queued_key),
      UNIQUE INDEX backup_job_idempotency_key (idempotency_key),
      INDEX backup_job_status_seq (status, seq),
      INDEX backup_job_kind_seq (kind, seq),
      INDEX backup_job_folder_seq (folder(191), seq),
      INDEX backup_job_snapshot (snapshot(191))
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
