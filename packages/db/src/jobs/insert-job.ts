import { createHash, randomUUID } from 'node:crypto';
import { type Job, type JobKind, type NewJob, newJobSchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import { type Db, inTransaction } from '../connection.js';
import { IdempotencyKeyReusedError } from '../errors.js';
import { noteFolderJobsSql } from '../folders/folder-summary.js';
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

/** One job asked for, with the client's Idempotency-Key if it sent one: an item of {@link insertJobs}. */
export interface JobRequest {
  input: NewJob;
  idempotency?: Idempotency | null;
}

/**
 * Records a new queued job, checked by the contract's `newJobSchema` (the folder rule included).
 * Two requests are answered with an existing job instead of a new one: the same Idempotency-Key
 * with the same request within 24 hours, and a backup of a folder that already has a queued backup
 * (at most one waits per folder; the unique key on `queued_key` makes this race-free), or a prune
 * while a prune is queued (at most one waits). {@link insertJobs} with one request.
 *
 * @throws IdempotencyKeyReusedError when the key was used for a different request in its window.
 */
export async function insertJob(
  db: Db,
  input: NewJob,
  idempotency: Idempotency | null = null,
): Promise<InsertedJob> {
  const [outcome] = await insertJobs(db, [{ input, idempotency }]);
  if (outcome?.status !== 'fulfilled') throw outcome?.reason;
  return outcome.value;
}

// A request of a batch, checked, with the keys it would take.
interface Prepared {
  index: number;
  job: NewJob;
  params: unknown;
  idempotencyKey: string | null;
  fingerprint: string | null;
  queuedKey: string | null;
}

/**
 * Records a batch of jobs as {@link insertJob} records each (group commit): the new ones in one
 * transaction, sent as one round trip (their rows, their read-back, the counts and the folders),
 * so that a batch costs the server one commit. Each request is answered as if it had come alone,
 * after the requests before it in the batch: the second of two with the same Idempotency-Key
 * answers the first's job (or is refused when it asks for something else), and the second backup
 * of a folder answers the first. A request the contract refuses, or whose key was used for another
 * request, fails alone; an error of the transaction itself (the database busy at every attempt, a
 * lost connection) fails every request not yet answered, with that error.
 *
 * The unique keys arbitrate: the first request of each key is inserted; the holders of keys are
 * looked up only when an insert found one taken (ER_DUP_ENTRY, which writes nothing) or when a
 * request of the batch waited behind another with the same key.
 */
export async function insertJobs(
  db: Db,
  requests: readonly JobRequest[],
): Promise<PromiseSettledResult<InsertedJob>[]> {
  const outcomes: PromiseSettledResult<InsertedJob>[] = Array(requests.length);
  const answer = (index: number, value: InsertedJob) => {
    outcomes[index] = { status: 'fulfilled', value };
  };
  const refuse = (index: number, reason: unknown) => {
    outcomes[index] = { status: 'rejected', reason };
  };
  let pending: Prepared[] = [];
  requests.forEach((request, index) => {
    const prepared = prepare(request, index);
    if (prepared instanceof Error) refuse(index, prepared);
    else pending.push(prepared);
  });

  // Requests that may find their keys taken: looked up before the next insert.
  let suspect: Prepared[] = [];
  for (let conflicts = 0; pending.length > 0; ) {
    try {
      if (suspect.length) {
        const answered = await answerTaken(db, suspect);
        for (const [request, outcome] of answered) outcomes[request.index] = outcome;
        pending = pending.filter((request) => !answered.has(request));
        if (pending.length === 0) break;
      }
      // The first request of each key goes in now; one behind it with the same key waits a round.
      const [first, behind] = firstOfEachKey(pending);
      try {
        for (const inserted of await recordQueued(db, first)) answer(inserted.index, inserted.value);
        pending = behind;
        suspect = behind;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ER_DUP_ENTRY') throw error;
        // Nothing was written; some key is taken (or was taken and let go in between).
        if (++conflicts >= 5) {
          const failure = new Error(
            'could not record the job: the same keys kept changing under concurrent requests',
          );
          for (const request of pending) refuse(request.index, failure);
          pending = [];
        }
        suspect = pending;
      }
    } catch (error) {
      for (const request of pending) refuse(request.index, error);
      pending = [];
    }
  }
  return outcomes;
}

function prepare(request: JobRequest, index: number): Prepared | Error {
  const parsed = newJobSchema.safeParse(request.input);
  if (!parsed.success) return new Error(`Refusing to record the job:\n${z.prettifyError(parsed.error)}`);
  const job = parsed.data;
  const { idempotency } = request;
  return {
    index,
    job,
    params: 'params' in job ? job.params : null,
    idempotencyKey: idempotency ? sha256(`idempotency:${idempotency.key}`) : null,
    // The parsed job lists its fields in the schema's order, so equal requests give equal text.
    fingerprint: idempotency ? sha256(JSON.stringify([idempotency.route, idempotency.request ?? job])) : null,
    queuedKey:
      job.kind === 'backup' ? queuedKeyOf(job.folder) : job.kind === 'prune' ? QUEUED_PRUNE_KEY : null,
  };
}

/**
 * Splits requests into those that share no key with one before them, in order, and the others,
 * which wait a round: their answer depends on what the one before them did (and one sharing a key
 * with a request that waits, waits too, so no request overtakes one before it on a key).
 */
function firstOfEachKey(requests: Prepared[]): [Prepared[], Prepared[]] {
  const seen = new Set<string>();
  const first: Prepared[] = [];
  const behind: Prepared[] = [];
  for (const request of requests) {
    const keys = [
      request.idempotencyKey && `i${request.idempotencyKey}`,
      request.queuedKey && `q${request.queuedKey}`,
    ].filter((key): key is string => Boolean(key));
    (keys.some((key) => seen.has(key)) ? behind : first).push(request);
    for (const key of keys) seen.add(key);
  }
  return [first, behind];
}

/**
 * Answers each request whose Idempotency-Key or queued key a job holds, as a request alone is
 * answered after ER_DUP_ENTRY: the job of its Idempotency-Key (or IdempotencyKeyReusedError), else
 * the queued job of its key. A request whose holder ended or let its key go in between is left to
 * be inserted again.
 */
async function answerTaken(
  db: Db,
  requests: Prepared[],
): Promise<Map<Prepared, PromiseSettledResult<InsertedJob>>> {
  const taken = requests.length > 1 ? await takenKeys(db, requests) : null;
  const answered = new Map<Prepared, PromiseSettledResult<InsertedJob>>();
  for (const request of requests) {
    const { idempotencyKey, queuedKey } = request;
    const isTaken = (key: string | null) => key !== null && (taken?.has(key) ?? true);
    if (!isTaken(idempotencyKey) && !isTaken(queuedKey)) continue;
    try {
      const existing =
        (idempotencyKey ? await findByIdempotencyKey(db, idempotencyKey, request.fingerprint) : null) ??
        (queuedKey ? await findByQueuedKey(db, queuedKey) : null);
      if (existing) answered.set(request, { status: 'fulfilled', value: { job: existing, created: false } });
    } catch (error) {
      if (!(error instanceof IdempotencyKeyReusedError)) throw error;
      answered.set(request, { status: 'rejected', reason: error });
    }
  }
  return answered;
}

// Which of the requests' keys a job holds: one query for many requests, instead of their lookups.
async function takenKeys(db: Db, requests: Prepared[]): Promise<Set<string>> {
  const idempotencyKeys = requests.flatMap((request) => request.idempotencyKey ?? []);
  const queuedKeys = requests.flatMap((request) => request.queuedKey ?? []);
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT idempotency_key, queued_key FROM backup_job WHERE idempotency_key IN (?) OR queued_key IN (?)',
    [idempotencyKeys.length ? idempotencyKeys : [null], queuedKeys.length ? queuedKeys : [null]],
  );
  return new Set(rows.flatMap((row) => [row.idempotency_key, row.queued_key]).filter(Boolean));
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
 * Inserts the jobs (each with a new id), counts them and notes their folders
 * (folders/folder-summary.ts) in one transaction sent as one batch of statements, and answers the
 * recorded jobs. A taken unique key fails the insert (ER_DUP_ENTRY): nothing is written and the
 * transaction is rolled back before the connection goes back to the pool. A lock conflict
 * (deadlock, lock wait timeout) is retried by `inTransaction`, the whole batch with the same ids,
 * so nothing is recorded or counted twice; the caller looks again for the holders of keys only
 * after ER_DUP_ENTRY.
 */
async function recordQueued(db: Db, requests: Prepared[]): Promise<{ index: number; value: InsertedJob }[]> {
  // Keys in order, so that two batches inserting the same keys take them in the same order.
  const sorted = [...requests].sort((a, b) => compare(a.queuedKey ?? '', b.queuedKey ?? ''));
  const rows = sorted.map((request) => ({
    id: randomUUID(),
    kind: request.job.kind,
    folder: request.job.folder,
    schedule_id: request.job.scheduleId ?? null,
    params: request.params ? JSON.stringify(request.params) : null,
  }));
  const counts = new Map<JobKind, number>();
  for (const row of rows) counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
  const countSql = [...counts]
    .sort(([a], [b]) => compare(a, b))
    .map(([kind, jobs]) => countTransitionSql({ kind, from: null, to: 'queued', jobs }));
  const folders = [...new Set(rows.map((row) => row.folder))].sort(compare);
  const values = sorted.flatMap((request, i) => {
    const row = rows[i] as (typeof rows)[number];
    const { queuedKey, idempotencyKey, fingerprint } = request;
    return [
      row.id,
      row.kind,
      row.folder,
      row.schedule_id,
      row.params,
      queuedKey,
      idempotencyKey,
      fingerprint,
    ];
  });
  return inTransaction(
    db,
    async (tx) => {
      const [results] = await tx.query<RowDataPacket[][]>(
        `START TRANSACTION;
       INSERT INTO backup_job (id, kind, folder, schedule_id, params, status, created_at, queued_key,
         idempotency_key, request_fingerprint)
       VALUES ${rows.map(() => "(?, ?, ?, ?, ?, 'queued', UTC_TIMESTAMP(3), ?, ?, ?)").join(', ')};
       SELECT id, created_at FROM backup_job WHERE id IN (?);
       ${countSql.map(([sql]) => `${sql};`).join('\n')}
       ${noteFolderJobsSql(folders.length)};
       COMMIT`,
        [...values, rows.map((row) => row.id), ...countSql.flatMap(([, params]) => params), ...folders],
      );
      // Results in statement order: START, INSERT, SELECT, counts, folders, COMMIT.
      const created = new Map((results[2] ?? []).map((row) => [row.id as string, row.created_at as Date]));
      return sorted.map((request, i) => {
        const row = rows[i] as (typeof rows)[number];
        const createdAt = created.get(row.id);
        if (!createdAt) throw new Error(`job ${row.id} was not found right after it was inserted`);
        const job = jobFromRow({ ...NEW_JOB_ROW, ...row, created_at: createdAt } as RowDataPacket);
        return { index: request.index, value: { job, created: true } };
      });
    },
    { oneRoundTrip: true },
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The key that marks "a prune is queued": at most one waits, as for a folder's backups. */
const QUEUED_PRUNE_KEY = createHash('sha256').update('queued-prune').digest('hex');

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
