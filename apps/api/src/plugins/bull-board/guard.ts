import { isTerminal } from '@strongbox/contract';
import { getJob } from '@strongbox/db';
import { QUEUE_NAME } from '@strongbox/queue';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { cancelJob } from '../../routes/backups/cancel-job.js';

/** A dashboard action: its route below the board's base path, and its parameters. */
export interface BoardAction {
  method: string;
  /** e.g. `/api/queues/:queueName/:jobId/retry` */
  route: string;
  params: { queueName?: string; jobId?: string; queueStatus?: string };
}

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
 * MySQL and the queue never disagree: answers 'go on' to let Bull Board do it, 'done' when the
 * rule did it already, and throws an ApiError (ACTION_REFUSED, JOB_NOT_CANCELLABLE) to refuse it. Reading is always allowed. With BULL_BOARD_READ_ONLY every change is refused.
 *
 * - Removing a job of the `jobs` queue that MySQL has queued cancels it, as `DELETE /backups/{id}`
 *   does; a running one cannot be removed; an ended one is removed from Redis only.
 * - Retrying a job is allowed only while MySQL has it queued or running; an ended job stays ended
 *   (start a new one with the API).
 * - Cleaning a whole state is allowed for `completed` and `failed`; emptying or obliterating a
 *   queue, adding or editing jobs, and changing or removing a schedule's job scheduler (MySQL holds
 *   the schedules: use `/schedules`) are refused. Running a scheduler now is allowed: its tick
 *   follows the same rules as any other.
 */
export async function applyRules(app: FastifyInstance, action: BoardAction): Promise<'done' | 'go on'> {
  if (action.method === 'GET' || action.method === 'HEAD') return 'go on';
  if (app.config.bullBoardReadOnly) {
    throw new ApiError(
      'ACTION_REFUSED',
      'The dashboard is read-only on this server (BULL_BOARD_READ_ONLY=true)',
    );
  }
  const key = `${action.method} ${action.route}`;
  if (HARMLESS.has(key)) return 'go on';
  const { queueName, jobId, queueStatus } = action.params;
  const ofJobs = queueName === QUEUE_NAME;
  switch (key) {
    case 'PUT /api/queues/:queueName/:jobId/clean':
      return ofJobs && jobId ? removeJob(app, jobId) : 'go on';
    case 'PUT /api/queues/:queueName/:jobId/retry':
      if (ofJobs && jobId) await checkRetry(app, jobId);
      return 'go on';
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
async function removeJob(app: FastifyInstance, jobId: string): Promise<'done' | 'go on'> {
  const job = await getJob(app.db, jobId);
  if (job?.status === 'running') {
    throw refused(`Job ${jobId} is running: it cannot be removed until it has ended`);
  }
  if (job?.status !== 'queued') return 'go on';
  await cancelJob(app, job);
  app.log.info({ jobId }, 'job cancelled from the dashboard');
  return 'done';
}

async function checkRetry(app: FastifyInstance, jobId: string): Promise<void> {
  const job = await getJob(app.db, jobId);
  if (!job) throw refused(`MySQL has no job ${jobId}: there is nothing to retry`);
  if (isTerminal(job.status)) {
    throw refused(`Job ${jobId} has ended (${job.status}): start a new one with the API instead`);
  }
}

function refused(message: string): ApiError {
  return new ApiError('ACTION_REFUSED', message);
}
