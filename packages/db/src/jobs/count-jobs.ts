import type { JobKind, JobStatus } from '@strongbox/contract';
import type { DbConnection } from '../connection.js';

/** How one job moved between statuses, and what it copied when it succeeded. */
export interface JobTransition {
  kind: JobKind;
  /** null for a job just recorded. */
  from: JobStatus | null;
  to: JobStatus;
  /** A succeeded backup's copied figures and when it ended. */
  copied?: { files: number; bytes: number; finishedAt: Date } | null;
  /**
   * How many jobs of this kind made the same move together (a batch of jobs recorded at once).
   * @defaultValue 1
   */
  jobs?: number;
}

/**
 * Moves one job between the `job_count` rows of its kind (migration 0006), in the transaction
 * that changes its status, so the totals are exact whenever that transaction commits. Each
 * connection writes the slot of its own id: concurrent transactions on different connections
 * rarely touch the same row. Both rows of one transition are in one statement, in key order, so
 * two transitions never wait for each other's rows in opposite orders.
 */
export async function countTransition(tx: DbConnection, transition: JobTransition): Promise<void> {
  const [sql, params] = countTransitionSql(transition);
  if (sql) await tx.query(sql, params);
}

/** The statement of {@link countTransition}, for callers that send it with others in one round trip. */
export function countTransitionSql(transition: JobTransition): [string, unknown[]] {
  const { kind, from, to, copied, jobs = 1 } = transition;
  if (from === to) return ['', []];
  const rows: [JobStatus, number, number, number, Date | null][] = [
    [to, jobs, copied?.files ?? 0, copied?.bytes ?? 0, copied?.finishedAt ?? null],
  ];
  if (from) rows.push([from, -jobs, 0, 0, null]);
  rows.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const values = rows.map(() => `(?, ?, CONNECTION_ID() % ${SLOTS}, ?, ?, ?, ?)`).join(', ');
  return [
    `INSERT INTO job_count (kind, status, slot, jobs, files_copied, bytes_copied, last_finished_at)
     VALUES ${values}
     ${ADD_TO_COUNTS}`,
    rows.flatMap((row) => [kind, ...row]),
  ];
}

/** Ends an `INSERT INTO job_count …` so that its rows are added to the counts already there. */
export const ADD_TO_COUNTS = `ON DUPLICATE KEY UPDATE jobs = jobs + VALUES(jobs),
  files_copied = files_copied + VALUES(files_copied), bytes_copied = bytes_copied + VALUES(bytes_copied),
  last_finished_at = GREATEST(COALESCE(last_finished_at, VALUES(last_finished_at)),
    COALESCE(VALUES(last_finished_at), last_finished_at))`;

// As many as migration 0006 created for each kind and status.
const SLOTS = 16;
