import type { Db } from '../connection.js';

/** A numbered schema change. Applied ones are never edited: add a new file instead. */
export interface Migration {
  name: string;
  up: (db: Db) => Promise<void>;
}
