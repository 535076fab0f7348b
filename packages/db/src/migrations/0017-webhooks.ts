import type { Migration } from './migration.js';

/**
 * `webhook`: where the end of a job is told (packages/contract/src/webhook.ts). `events` is the JSON
 * array of its events; `folder` (with `folder_key`, its SHA-256, for the lookup at each job's end)
 * limits it to one folder, NULL for all. `secret` is the HMAC key of its signatures: the server
 * must hold it to sign, so it is kept as given and never answered after the creation.
 *
 * `webhook_delivery`: one row per attempt to deliver one event (`delivery_id`) to one webhook, with
 * what came of it. A webhook's rows go with it.
 */
export const migration: Migration = {
  name: '0017-webhooks',
  up: async (db) => {
    await db.query(`CREATE TABLE webhook(
      seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      id CHAR(36) NOT NULL,
      url VARCHAR(2000) NOT NULL,
      events VARCHAR(1000) NOT NULL,
      folder VARCHAR(1000) NULL,
      folder_key CHAR(64) NULL,
      secret VARCHAR(200) NOT NULL,
      created_at DATETIME(3) NOT NULL,
      UNIQUE KEY webhook_id (id),
      KEY webhook_folder (folder_key)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await db.query(`CREATE TABLE webhook_delivery(
      id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      webhook_id CHAR(36) NOT NULL,
      delivery_id VARCHAR(120) NOT NULL,
      event VARCHAR(64) NOT NULL,
      job_id CHAR(36) NOT NULL,
      attempt INT UNSIGNED NOT NULL,
      outcome VARCHAR(16) NOT NULL,
      status_code SMALLINT UNSIGNED NULL,
      error VARCHAR(500) NULL,
      duration_ms INT UNSIGNED NOT NULL,
      at DATETIME(3) NOT NULL,
      KEY webhook_delivery_webhook (webhook_id, id)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
