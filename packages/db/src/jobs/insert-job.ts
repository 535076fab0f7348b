import { createHash, randomUUID } from 'node:crypto';
import { type Job, type NewJob, newJobSchema } from '@strongbox/contract';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import type { Db } from '../connection.js';
import { IdempotencyKeyReusedError } from '../errors.js';
import { getJob } from './get-job.js';

const IDEMPOTENCY_WINDOW_HOURS = 24;

/** A client's Idempotency-Key and the request it came with. */
export interface Idempotency {
  key: string;
  /**
   * What identifies the request beside the job it asks for, e.g. `POST /backups`: the same key
   * with the same route and the same job answers the first job; with anything else it is refused.
   */
  route: string;
}

export interface InsertedJob {
  job: Job;
  /** False when an equal job already existed and is answered instead. */
  created: boolean;
}

/**
 * Records a new queued job, checked by the contract's `newJobSchema` (the folder rule included).
 * Two requests are answered with an existing job instead of a new one: the same Idempotency-Key
 * with the same request within 24 hours, and a backup of a folder that already has a queued backup
 * (at most one waits per folder; the unique key on `queued_key` makes this race-free).
 *
 * @throws IdempotencyKeyReusedError when the key was used for a different request in its window.
 */
export async function insertJob(
  db: Db,
  input: NewJob,
  idempotency: Idempotency | null = null,
): Promise<InsertedJob> {
  const parsed = newJobSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Refusing to record the job:\n${z.prettifyError(parsed.error)}`);
  const job = parsed.data;
  const params = 'params' in job ? job.params : null;
  const idempotencyKey = idempotency ? sha256(`idempotency:${idempotency.key}`) : null;
  // The parsed job lists its fields in the schema's order, so equal requests give equal text.
  const fingerprint = idempotency ? sha256(JSON.stringify([idempotency.route, job])) : null;
  const queuedKey = job.kind === 'backup' ? queuedKeyOf(job.folder) : null;

  for (let tries = 0; tries < 5; tries++) {
    if (idempotencyKey) {
      const existing = await findByIdempotencyKey(db, idempotencyKey, fingerprint);
      if (existing) return { job: existing, created: false };
    }
    if (queuedKey) {
      const existing = await findByQueuedKey(db, queuedKey);
      if (existing) return { job: existing, created: false };
    }
    const id = randomUUID();
    try {
      await db.execute<ResultSetHeader>(
        `INSERT INTO backup_job (id, kind, folder, schedule_id, params, status, created_at, queued_key,
           idempotency_key, request_fingerprint)
         VALUES (?, ?, ?, ?, ?, 'queued', UTC_TIMESTAMP(3), ?, ?, ?)`,
        [
          id,
          job.kind,
          job.folder,
          job.scheduleId ?? null,
          params ? JSON.stringify(params) : null,
          queuedKey,
          idempotencyKey,
          fingerprint,
        ],
      );
      const inserted = await getJob(db, id);
      if (!inserted) throw new Error(`job ${id} vanished right after it was inserted`);
      return { job: inserted, created: true };
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

// A job recorded before requests had fingerprints (migration 0004) has none: its key answers it as
// it did then.
async function findByIdempotencyKey(db: Db, key: string, fingerprint: string | null): Promise<Job | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT id, request_fingerprint,
       created_at < UTC_TIMESTAMP(3) - INTERVAL ${IDEMPOTENCY_WINDOW_HOURS} HOUR AS expired
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
  if (row.request_fingerprint !== null && row.request_fingerprint !== fingerprint) {
    throw new IdempotencyKeyReusedError();
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
