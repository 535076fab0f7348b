import { createHash, randomUUID } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Db } from '../connection.js';
import { getJob } from './get-job.js';
import type { Job, JobKind, JobParams } from './job.js';

const IDEMPOTENCY_WINDOW_HOURS = 24;

export interface NewJob {
  kind: JobKind;
  folder: string;
  params?: JobParams | null;
  scheduleId?: string | null;
  /** The client's Idempotency-Key header, if any. */
  idempotencyKey?: string | null;
}

export interface InsertedJob {
  job: Job;
  /** False when an equal job already existed and is answered instead. */
  created: boolean;
}

/**
 * Records a new queued job. Two requests are answered with an existing job instead of a new one:
 * the same Idempotency-Key within 24 hours, and a backup of a folder that already has a queued
 * backup (at most one waits per folder; the unique key on `queued_key` makes this race-free).
 */
export async function insertJob(db: Db, input: NewJob): Promise<InsertedJob> {
  const idempotencyKey = input.idempotencyKey ? sha256(`idempotency:${input.idempotencyKey}`) : null;
  const queuedKey = input.kind === 'backup' ? queuedKeyOf(input.folder) : null;

  for (let tries = 0; tries < 5; tries++) {
    if (idempotencyKey) {
      const existing = await findByIdempotencyKey(db, idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    if (queuedKey) {
      const existing = await findByQueuedKey(db, queuedKey);
      if (existing) return { job: existing, created: false };
    }
    const id = randomUUID();
    try {
      await db.execute<ResultSetHeader>(
        `INSERT INTO backup_job (id, kind, folder, schedule_id, params, status, created_at, queued_key, idempotency_key)
         VALUES (?, ?, ?, ?, ?, 'queued', UTC_TIMESTAMP(3), ?, ?)`,
        [
          id,
          input.kind,
          input.folder,
          input.scheduleId ?? null,
          input.params ? JSON.stringify(input.params) : null,
          queuedKey,
          idempotencyKey,
        ],
      );
      const job = await getJob(db, id);
      if (!job) throw new Error(`job ${id} vanished right after it was inserted`);
      return { job, created: true };
    } catch (error) {
      // A concurrent request won the race for one of the unique keys: look again.
      if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
    }
  }
  throw new Error('could not record the job: the same keys kept changing under concurrent requests');
}

/** The key that marks "a backup of this folder is queued". */
export function queuedKeyOf(folder: string): string {
  return sha256(`queued-backup:${folder}`);
}

async function findByIdempotencyKey(db: Db, key: string): Promise<Job | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT id, created_at < UTC_TIMESTAMP(3) - INTERVAL ${IDEMPOTENCY_WINDOW_HOURS} HOUR AS expired
     FROM backup_job WHERE idempotency_key = ?`,
    [key],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.expired) {
    // The key is free again after the window: release it from the old job.
    await db.execute('UPDATE backup_job SET idempotency_key = NULL WHERE id = ? AND idempotency_key = ?', [
      row.id,
      key,
    ]);
    return null;
  }
  return getJob(db, row.id);
}

async function findByQueuedKey(db: Db, key: string): Promise<Job | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT id FROM backup_job WHERE queued_key = ?', [key]);
  const row = rows[0];
  return row ? getJob(db, row.id) : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
