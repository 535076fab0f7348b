import { createHash, randomUUID } from 'node:crypto';
import { type Job, type JobKind, type NewJob, newJobSchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { type Db, inTransaction } from '../connection.js';
import { IdempotencyKeyReusedError } from '../errors.js';
import { countTransitionSql } from './count-jobs.js';
import { getJob } from './get-job.js';
import { jobFromRow } from './job-row.js';

const IDEMPOTENCY_WINDOW_HOURS = 24;

/** A client's Idempotency-Key and the request it came with. */
export interface Idempotency {
  key: string;
  /**
   * What identifies the request beside the job it asks for, e.g. `POST /backups`: the same key
   * with the same route and the same job answers the first job; with anything else it is refused.
   */
  route: string;
  /**
   * The request as the client made it, when that is not the job it asks for: a request for a
   * folder's newest snapshot (`latest`) asks for whichever backup is newest when it comes, and the
   * same request sent again answers the first job even after a newer backup.
   * @defaultValue the job
   */
  request?: unknown;
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
  const fingerprint = idempotency
    ? sha256(JSON.stringify([idempotency.route, idempotency.request ?? job]))
    : null;
  const queuedKey = job.kind === 'backup' ? queuedKeyOf(job.folder) : null;

  // The unique keys arbitrate: insert first, and look for the job that holds a key only when one
  // is taken. A new job is recorded, counted and committed in one round trip.
  for (let tries = 0; tries < 5; tries++) {
    const id = randomUUID();
    const row = {
      id,
      kind: job.kind,
      folder: job.folder,
      schedule_id: job.scheduleId ?? null,
      params: params ? JSON.stringify(params) : null,
    };
    try {
      const createdAt = await recordQueued(db, row, queuedKey, idempotencyKey, fingerprint);
      return {
        job: jobFromRow({ ...NEW_JOB_ROW, ...row, created_at: createdAt } as RowDataPacket),
        created: true,
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
    }
    if (idempotencyKey) {
      const existing = await findByIdempotencyKey(db, idempotencyKey, fingerprint);
      if (existing) return { job: existing, created: false };
    }
    if (queuedKey) {
      const existing = await findByQueuedKey(db, queuedKey);
      if (existing) return { job: existing, created: false };
    }
    // The job that held the key ended or let it go in between: try again.
  }
  throw new Error('could not record the job: the same keys kept changing under concurrent requests');
}

// The columns of a just-recorded job that the insert leaves to their defaults.
const NEW_JOB_ROW = {
  status: 'queued',
  attempts: 0,
  worker: null,
  started_at: null,
  finished_at: null,
  files_done: 0,
  files_total: null,
  bytes_done: 0,
  bytes_total: null,
  result: null,
  error_code: null,
  error_message: null,
  pruned_at: null,
};

/**
 * Inserts the job and counts it in one transaction sent as one batch of statements, and answers
 * when it was created. A taken unique key fails the insert (ER_DUP_ENTRY): nothing is written and
 * the transaction is rolled back before the connection goes back to the pool. A lock conflict
 * (deadlock, lock wait timeout) is retried by `inTransaction` with the same id; the caller looks
 * again for the holder of a key only after ER_DUP_ENTRY.
 */
async function recordQueued(
  db: Db,
  row: { id: string; kind: JobKind; folder: string; schedule_id: string | null; params: string | null },
  queuedKey: string | null,
  idempotencyKey: string | null,
  fingerprint: string | null,
): Promise<Date> {
  const [count, countParams] = countTransitionSql({ kind: row.kind, from: null, to: 'queued' });
  return inTransaction(
    db,
    async (tx) => {
      const [results] = await tx.query<RowDataPacket[][]>(
        `START TRANSACTION;
       INSERT INTO backup_job (id, kind, folder, schedule_id, params, status, created_at, queued_key,
         idempotency_key, request_fingerprint)
       VALUES (?, ?, ?, ?, ?, 'queued', UTC_TIMESTAMP(3), ?, ?, ?);
       SELECT created_at FROM backup_job WHERE id = ?;
       ${count};
       COMMIT`,
        [
          row.id,
          row.kind,
          row.folder,
          row.schedule_id,
          row.params,
          queuedKey,
          idempotencyKey,
          fingerprint,
          row.id,
          ...countParams,
        ],
      );
      // Results in statement order: START, INSERT, SELECT, count, COMMIT.
      const createdAt = results[2]?.[0]?.created_at as Date | undefined;
      if (!createdAt) throw new Error(`job ${row.id} was not found right after it was inserted`);
      return createdAt;
    },
    { oneRoundTrip: true },
  );
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
    await inTransaction(
      db,
      (tx) =>
        tx.execute('UPDATE backup_job SET idempotency_key = NULL WHERE id = ? AND idempotency_key = ?', [
          row.id,
          key,
        ]),
      { oneRoundTrip: true },
    );
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
