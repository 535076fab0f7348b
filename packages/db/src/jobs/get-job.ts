import type { Job } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { JOB_COLUMNS, jobFromRow } from './job-row.js';

export async function getJob(db: Db, id: string): Promise<Job | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${JOB_COLUMNS} FROM backup_job WHERE id = ?`, [
    id,
  ]);
  return rows[0] ? jobFromRow(rows[0]) : null;
}
