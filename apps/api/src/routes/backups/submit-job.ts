import { insertJob, type Job, type NewJob } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../../errors/api-error.js';
import { statusOf } from '../../errors/status-of.js';
import { isTerminal, waitForJob } from '../../lib/wait-for-job.js';
import { withTimeout } from '../../lib/with-timeout.js';

const ENQUEUE_TIMEOUT_MS = 2_000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The one way every route starts a job: record it in MySQL (the truth), hand it to the queue,
 * then answer 202 with `Location`, or with `?wait=N` wait for it to end and answer how it ended.
 */
export async function submitJob(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  input: Omit<NewJob, 'idempotencyKey'>,
  wait: number | undefined,
): Promise<Job> {
  const { job, created } = await insertJob(app.db, { ...input, idempotencyKey: idempotencyKeyOf(request) });
  if (created) {
    try {
      await withTimeout(enqueue(app.queue, job), ENQUEUE_TIMEOUT_MS, 'Redis');
    } catch (error) {
      // The job is safe in MySQL: the worker's reconciler adds it to the queue once Redis is back.
      request.log.warn({ err: error, jobId: job.id }, 'could not enqueue the job; the reconciler will');
    }
  } else {
    request.log.info({ jobId: job.id }, 'answered an existing job');
  }
  reply.header('Location', `/backups/${job.id}`);
  if (!wait) return reply.code(202).send(job);

  const signal = AbortSignal.any([abortOnClose(reply), app.closing]);
  const ended = await waitForJob(app.db, job.id, { seconds: wait, signal });
  return answerJob(reply, ended ?? job);
}

/**
 * Answers a job after waiting for it: 200 when it succeeded, the status its error code maps to when
 * it failed or was cancelled (with the job as the body), 202 while it is still going.
 */
export function answerJob(reply: FastifyReply, job: Job): FastifyReply {
  if (!isTerminal(job)) return reply.code(202).send(job);
  if (job.status === 'succeeded') return reply.code(200).send(job);
  return reply.code(statusOf(job.error?.code ?? 'INTERNAL')).send(job);
}

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') return null;
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ApiError(
      'VALIDATION',
      `Idempotency-Key may be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
  return key;
}

// The response closes before it was sent only when the client went away.
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
