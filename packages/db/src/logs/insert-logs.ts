import { type Db, inTransaction } from '../connection.js';
import { logValues, type NewLogEntry } from './insert-log.js';

/** Appends audit rows in one statement (one commit); `date` is when each was taken. */
export async function insertLogs(db: Db, entries: readonly (NewLogEntry & { date: Date })[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((entry) => [entry.date, ...logValues(entry)]);
  await inTransaction(
    db,
    (tx) => tx.query('INSERT INTO log (date, action, parameter, status, job_id, message) VALUES ?', [rows]),
    { oneRoundTrip: true },
  );
}
