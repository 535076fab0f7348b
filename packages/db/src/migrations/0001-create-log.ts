import type { Migration } from './migration.js';

/** The original design's audit table, exactly as it was. */
export const migration: Migration = {
  name: '0001-create-log',
  up: async (db) => {
    await db.query(`CREATE TABLE log(
      id INT PRIMARY KEY AUTO_INCREMENT,
      date TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
      action VARCHAR(100),
      parameter VARCHAR(1000),
      status VARCHAR(100)
    ) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  },
};
