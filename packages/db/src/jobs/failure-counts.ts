import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';

/** How many jobs of one kind ended failed with one error code. */
export interface FailureCount {
  kind: string;
  code: string;
  failures: number;
}

/** Failed jobs by kind and error code, from `job_failure_count` (migration 0011), in key order. */
export async function failureCounts(db: Db): Promise<FailureCount[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT kind, code, failures FROM job_failure_count ORDER BY kind, code',
  );
  return rows.map((row) => ({
    kind: String(row.kind),
    code: String(row.code),
    failures: Number(row.failures),
  }));
}
