import type { Migration } from './migration.js';

/**
 * Additions to the audit table: which job a row belongs to, a message for failures, and the
 * indexes that date-range and per-action queries need. The unique key makes "one Backup row
 * per job" a property of the schema, not only of the code.
 */
export const migration: Migration = {
  name: '0002-log-job-and-message',
  up: async (db) => {
    await db.query(`ALTER TABLE log
      ADD COLUMN job_id CHAR(36) NULL,
      ADD COLUMN message VARCHAR(2000) NULL,
      ADD INDEX log_date_id (date, id),
      ADD INDEX log_action_date_id (action, date, id),
      ADD UNIQUE INDEX log_job_action (job_id, action)`);
  },
};
