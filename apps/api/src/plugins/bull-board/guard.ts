import { isTerminal } from '@strongbox/contract';
import { getJob } from '@strongbox/db';
import { QUEUE_NAME, WEBHOOK_QUEUE_NAME } from '@strongbox/queue';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { removeFromQueue } from '../../lib/remove-from-queue.js';
import { cancelJob } from '../../routes/backups/cancel-job.js';
import { runAgain } from './run-again.js';

/** A dashboard action: its route below the board's base path, and its parameters. */
export interface BoardAction {
  method: string;
  /** e.g. `/api/queues/:queueName/:jobId/retry` */
  route: string;
  params: { queueName?: string; jobId?: string; queueStatus?: string };
  /** The request's logger, so that what a rule does carries its `reqId`. */
  log: FastifyBaseLogger;
}

/** What a rule decided: let Bull Board carry the action out, or the answer the rule gave itself. */
export type RuleOutcome = 'go on' | { statusCode: number; body?: unknown };

/** Bull Board's answer to a retry-all: `skipped` shows in its toast. */
export interface RetryAllAnswer {
  retried: number;
  skipped: number;
}

const DONE = { statusCode: 204 } as const;
const RETRY_PAGE = 100;

// Actions that change nothing MySQL knows: pausing, promoting a delayed job, tuning the queue.
const HARMLESS = new Set([
  'PUT /api/queues/pause',
  'PUT /api/queues/resume',
  'PUT /api/queues/:queueName/pause',
  'PUT /api/queues/:queueName/resume',
  'PUT /api/queues/:queueName/promote',
  'PUT /api/queues/:queueName/:jobId/promote',
  'PUT /api/queues/:queueName/concurrency',
  'PUT /api/queues/:queueName/rate-limit',
  'PUT /api/queues/:queueName/rate-limit/release',
  'PATCH /api/queues/:queueName/:jobId/delay',
  'PATCH /api/queues/:queueName/:jobId/priority',
]);

/** States whose jobs have ended in the queue: cleaning them leaves MySQL's record as it is. */
const ENDED_STATES = new Set(['completed', 'failed']);

/**
 * Applies the API's rules to an action of the dashboard before Bull Board carries it out, so that
 * MySQL and the queue never disagree: answers 'go on' to let Bull Board do it, the answer to send
 * when the rule did it already, and throws an ApiError (ACTION_REFUSED, JOB_NOT_CANCELLABLE,
 * SNAPSHOT_UNAVAILABLE…) to refuse it. Reading is always allowed. With BULL_BOARD_READ_ONLY every
 * change is refused.
 *
 * - The `webhooks` queue is read-only: every change to it is refused (the worker retries a failed
 *   delivery itself, and the API has no way to deliver one again).
 *
 * - Removing a job of the `jobs` queue that MySQL has queued cancels it, as `DELETE /backups/{id}`
 *   does; a running one cannot be removed; an ended one is removed from Redis only.
 * - Retrying a job of the `jobs` queue that MySQL has ended runs it again as a new job, as the API
 *   would start it ({@link runAgain}): the new job shows in `GET /backups` and in the dashboard,
 *   and the ended one's entry makes way for it (MySQL keeps the ended job and its log row). One
 *   MySQL still has queued or running is retried by the queue. Retry-all does the same for every
 *   failed (or completed) entry that had ended when it was asked for.
 * - Cleaning a whole state is allowed for `completed` and `failed`; emptying or obliterating a
 *   queue, adding or editing jobs, and changing or removing a schedule's job scheduler (MySQL holds
 *   the schedules: use `/schedules`) are refused. Running a scheduler now is allowed: its tick
 *   follows the same rules as any other.
 */
export async function applyRules(app: FastifyInstance, action: BoardAction): Promise<RuleOutcome> {
  if (action.method === 'GET' || action.method === 'HEAD') return 'go on';
  if (app.config.bullBoardReadOnly) {
    throw new ApiError(
      'ACTION_REFUSED',
      'The dashboard is read-only on this server (BULL_BOARD_READ_ONLY=true)',
    );
  }
  const { queueName, jobId, queueStatus } = action.params;
  if (queueName === WEBHOOK_QUEUE_NAME) {
    throw refused(
      'Webhook deliveries are read-only in the dashboard: the worker retries a failed one itself',
    );
  }
  const key = `${action.method} ${action.route}`;
  if (HARMLESS.has(key)) return 'go on';
  const ofJobs = queueName === QUEUE_NAME;
  switch (key) {
    case 'PUT /api/queues/:queueName/:jobId/clean':
      return ofJobs && jobId ? removeJob(app, jobId) : 'go on';
    case 'PUT /api/queues/:queueName/:jobId/retry':
      if (!ofJobs || !jobId) return 'go on';
      return (await retryEntry(app, jobId, action.log)) === 'still active' ? 'go on' : DONE;
    case 'PUT /api/queues/:queueName/retry/:queueStatus':
      return ofJobs ? retryAll(app, queueStatus, action.log) : 'go on';
    case 'PUT /api/queues/:queueName/clean/:queueStatus':
      if (queueStatus && ENDED_STATES.has(queueStatus)) return 'go on';
      throw refused(`Cleaning ${queueStatus} jobs would drop jobs that have not run: cancel them one by one`);
    case 'PUT /api/queues/:queueName/job-schedulers/:schedulerId/run':
      return 'go on';
    case 'PUT /api/queues/:queueName/job-schedulers/:schedulerId/remove':
    case 'PATCH /api/queues/:queueName/job-schedulers/:schedulerId':
      throw refused(
        'Schedules live in MySQL: pause, resume or delete them with PATCH or DELETE /schedules/{id}',
      );
    default:
      throw refused('This action would make the queue disagree with MySQL: use the API instead');
  }
}

// A queued job is cancelled, which removes it from the queue too: nothing is left for Bull Board.
async function removeJob(app: FastifyInstance, jobId: string): Promise<RuleOutcome> {
  const job = await getJob(app.db, jobId);
  if (job?.status === 'running') {
    throw refused(`Job ${jobId} is running: it cannot be removed until it has ended`);
  }
  if (job?.status !== 'queued') return 'go on';
  await cancelJob(app, job);
  app.log.info({ jobId }, 'job cancelled from the dashboard');
  return DONE;
}

// MySQL decides: a job it has ended runs again as a new job, and its queue entry makes way for it,
// as a retried entry leaves the failed list; one it still has queued or running is for the queue
// to retry, and the worker then runs it as MySQL says.
async function retryEntry(
  app: FastifyInstance,
  jobId: string,
  log: FastifyBaseLogger,
): Promise<'ran again' | 'still active'> {
  const job = await getJob(app.db, jobId);
  if (!job) throw refused(`MySQL has no job ${jobId}: there is nothing to retry`);
  if (!isTerminal(job.status)) return 'still active';
  const again = await runAgain(app, job, log);
  await removeFromQueue(app, jobId, 'retried');
  log.info({ jobId: again.id, retryOf: jobId }, 'job run again from the dashboard');
  return 'ran again';
}

// Every entry of the state that had ended when the operator asked, oldest first. Entries that end
// meanwhile (a job just run again may fail at once) are left alone, so this always ends. An entry
// a rule refuses (MySQL does not know it, its snapshot is gone) stays, and counts as skipped.
async function retryAll(
  app: FastifyInstance,
  queueStatus: string | undefined,
  log: FastifyBaseLogger,
): Promise<RuleOutcome> {
  if (queueStatus !== 'failed' && queueStatus !== 'completed') {
    throw refused(`Only failed or completed jobs can be retried: got ${queueStatus}`);
  }
  const askedAt = Date.now();
  const seen = new Set<string>();
  const answer: RetryAllAnswer = { retried: 0, skipped: 0 };
  let kept = 0;
  for (;;) {
    const page = await app.queue.getJobs([queueStatus], kept, kept + RETRY_PAGE - 1, true);
    const fresh = page.filter((entry) => entry.id !== undefined && !seen.has(entry.id));
    if (fresh.length === 0) break;
    for (const entry of fresh) {
      const id = entry.id as string;
      seen.add(id);
      if ((entry.finishedOn ?? 0) > askedAt) {
        kept++;
        continue;
      }
      try {
        if ((await retryEntry(app, id, log)) === 'still active') await entry.retry(queueStatus);
        answer.retried++;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        log.info({ jobId: id, code: error.code, reason: error.message }, 'dashboard retry skipped a job');
        answer.skipped++;
        kept++;
      }
    }
  }
  return { statusCode: 200, body: answer };
}

function refused(message: string): ApiError {
  return new ApiError('ACTION_REFUSED', message);
}
