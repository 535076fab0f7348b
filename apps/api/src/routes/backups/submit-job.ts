import { isTerminal, type Job, type NewJob } from '@strongbox/contract';
import { type Idempotency, insertJob } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusOf } from '../../errors/status-of.js';
import { waitForJob } from '../../lib/wait-for-job.js';
import { withTimeout } from '../../lib/with-timeout.js';

const ENQUEUE_TIMEOUT_MS = 2_000;

/**
 * The one way every route starts a job: record it in MySQL (the truth), hand it to the queue,
 * then answer 202 with `Location`, or with `?wait=N` wait for it to end and answer how it ended.
 */
export async function submitJob(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  input: NewJob,
  wait: number | undefined,
): Promise<Job> {
  const { job, created } = await insertJob(app.db, input, idempotencyOf(request));
  if (created) {
    request.log.info({ jobId: job.id, kind: job.kind, folder: job.folder }, 'job created');
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
  if (!isTerminal(job.status)) return reply.code(202).send(job);
  if (job.status === 'succeeded') return reply.code(200).send(job);
  return reply.code(statusOf(job.error?.code ?? 'INTERNAL')).send(job);
}

/**
 * The Idempotency-Key (its length checked by the route's header schema) and the route it came to (`POST /backups/:id/restore`): `insertJob` binds the
 * key to the route and to the job asked for (folder, backup id, target, path).
 */
function idempotencyOf(request: FastifyRequest): Idempotency | null {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') return null;
  return { key, route: `${request.method} ${request.routeOptions.url}` };
}

// The response closes before it was sent only when the client went away.
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
