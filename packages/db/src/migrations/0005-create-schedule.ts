import type { Migration } from './migration.js';

/**
 * Recurring backups. MySQL holds the truth about every schedule; the BullMQ job scheduler of each
 * active one (id = the schedule's id) is derived from this table, and rebuilt from it when Redis
 * loses its data. `seq` orders the list for cursor pagination.
 */
export const migration: Migration = {
  name: '0005-create-schedule',
  up: async (db) => {
    await db.query(`CREATE TABLE schedule(
      seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      id CHAR(36) NOT NULL,
      folder VARCHAR(1000) NOT NULL,
      cron VARCHAR(255) NOT NULL,
      tz VARCHAR(255) NOT NULL,
      paused BOOLEAN NOT NULL DEFAULT FALSE,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE INDEX schedule_id (id)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
