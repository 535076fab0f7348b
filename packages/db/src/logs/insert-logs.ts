import type { Db } from '../connection.js';
import { logValues, type NewLogEntry } from './insert-log.js';

/** Appends audit rows in one statement (one commit); `date` is when each was taken. */
export async function insertLogs(db: Db, entries: readonly (NewLogEntry & { date: Date })[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query('INSERT INTO log (date, action, parameter, status, job_id, message) VALUES ?', [
    entries.map((entry) => [entry.date, ...logValues(entry)]),
  ]);
}
