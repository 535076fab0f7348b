import type { Migration } from './migration.js';

/**
 * Binds an Idempotency-Key to the request it came with: a hash of the route and the job asked
 * for. The same key with another request is refused instead of answering the first job. Jobs
 * recorded before this have no fingerprint and keep answering their key as before.
 */
export const migration: Migration = {
  name: '0004-request-fingerprint',
  up: async (db) => {
    await db.query(
      'ALTER TABLE backup_job ADD COLUMN request_fingerprint CHAR(64) NULL AFTER idempotency_key',
    );
  },
};
