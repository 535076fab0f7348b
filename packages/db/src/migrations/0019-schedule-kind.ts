import type { Migration } from './migration.js';

/**
 * What a schedule starts: `backup` (of its folder, as every schedule before), `prune` or `check` (of
 * the whole object repository; their folder is ""). `params`: JSON of what a check reads of the
 * packs (`{"readData": ...}`), NULL for the other kinds.
 */
export const migration: Migration = {
  name: '0019-schedule-kind',
  up: async (db) => {
    await db.query(
      "ALTER TABLE schedule ADD kind VARCHAR(16) NOT NULL DEFAULT 'backup', ADD params TEXT NULL",
    );
  },
};
