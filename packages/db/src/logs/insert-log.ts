import { redactSecrets } from '@strongbox/config';
import type { LogAction, LogStatus } from '@strongbox/contract';
import type { ResultSetHeader } from 'mysql2/promise';
import { type Db, type DbConnection, inTransaction } from '../connection.js';

export interface NewLogEntry {
  action: LogAction;
  parameter: string | null;
  status: LogStatus;
  jobId?: string | null;
  message?: string | null;
}

/** Appends one audit row. `date` defaults to the server's clock at the insert. */
export async function insertLog(db: Db, entry: NewLogEntry & { date?: Date }): Promise<number> {
  return inTransaction(db, (tx) => insertLogWith(tx, entry), { oneRoundTrip: true });
}

/** Appends one audit row with the transaction of `tx`, so that it commits with the rest of it. */
export async function insertLogWith(tx: DbConnection, entry: NewLogEntry & { date?: Date }): Promise<number> {
  const [result] = await tx.execute<ResultSetHeader>(
    'INSERT INTO log (date, action, parameter, status, job_id, message) VALUES (COALESCE(?, CURRENT_TIMESTAMP(3)), ?, ?, ?, ?, ?)',
    [entry.date ?? null, ...logValues(entry)],
  );
  return result.insertId;
}

/**
 * The columns of one audit row, without the configuration's secrets (GET /logs serves every row to
 * every client), then cut to what they hold.
 */
export function logValues(entry: NewLogEntry): (string | null)[] {
  return [
    entry.action,
    entry.parameter === null ? null : redactSecrets(entry.parameter).slice(0, 1000),
    entry.status,
    entry.jobId ?? null,
    entry.message ? redactSecrets(entry.message).slice(0, 2000) : null,
  ];
}
