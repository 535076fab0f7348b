import type { Migration } from './migration.js';

/**
 * Audit dates to the millisecond, as the jobs' dates are: the original design's column kept whole
 * seconds, so a job's `Backup` row could not carry its `finishedAt`, and rows of one second came
 * back in id order only. Rows written before keep their instants (at `.000`).
 */
export const migration: Migration = {
  name: '0010-log-date-milliseconds',
  up: async (db) => {
    await db.query('ALTER TABLE log MODIFY date TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)');
  },
};
