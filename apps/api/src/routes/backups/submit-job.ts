import { isTerminal, type Job, type NewJob } from '@strongbox/contract';
import type { Idempotency, InsertedJob } from '@strongbox/db';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusOf } from '../../errors/status-of.js';
import { waitForJob } from '../../lib/wait-for-job.js';

/**
 * The one way every route starts a job: {@link recordJob}, then answer 202 with `Location`, or with
 * `?wait=N` wait for it to end and answer how it ended. `asked` is what the client asked for when
 * that is not `input` (a `latest` request): an Idempotency-Key is bound to it instead.
 */
export async function submitJob(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  input: NewJob,
  wait: number | undefined,
  asked?: unknown,
): Promise<Job> {
  const idempotency = idempotencyOf(request, asked);
  const { job } = await recordJob(app, input, { idempotency, log: request.log });
  reply.header('Location', `/backups/${job.id}`);
  if (!wait) return reply.code(202).send(job);

  const signal = AbortSignal.any([abortOnClose(reply), app.closing]);
  const ended = await waitForJob(app.db, job.id, { seconds: wait, signal });
  return answerJob(reply, ended ?? job);
}

/** Options for {@link recordJob}. */
export interface RecordJobOptions {
  /** The client's Idempotency-Key and route, if any. */
  idempotency?: Idempotency | null;
  /** Where to say what happened: the request's logger, so that lines carry its `reqId`. */
  log: FastifyBaseLogger;
}

/**
 * Records a job in MySQL (the truth) and hands it to the queue, or answers the equal job MySQL
 * already holds (the same Idempotency-Key, or a queued backup of the same folder). The routes that
 * start jobs and the dashboard's retry all start them here, in batches with the requests beside
 * them (lib/job-batches.ts): settles once the job is committed and queued.
 */
export async function recordJob(
  app: FastifyInstance,
  input: NewJob,
  options: RecordJobOptions,
): Promise<InsertedJob> {
  const { log } = options;
  const { enqueueError, ...inserted } = await app.jobBatches.record({
    input,
    idempotency: options.idempotency ?? null,
  });
  const { job } = inserted;
  if (!inserted.created) {
    log.info({ jobId: job.id }, 'answered an existing job');
    return inserted;
  }
  log.info({ jobId: job.id, kind: job.kind, folder: job.folder }, 'job created');
  if (enqueueError !== undefined) {
    // The job is safe in MySQL: the worker's reconciler adds it to the queue once Redis is back.
    log.warn({ err: enqueueError, jobId: job.id }, 'could not enqueue the job; the reconciler will');
  }
  return inserted;
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
 * key to the route and to the job asked for (folder, backup id, target, path), or to `asked`.
 */
function idempotencyOf(request: FastifyRequest, asked: unknown): Idempotency | null {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || key === '') return null;
  const route = `${request.method} ${request.routeOptions.url}`;
  return asked === undefined ? { key, route } : { key, route, request: asked };
}

// The response closes before it was sent only when the client went away.
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => controller.abort());
  return controller.signal;
}
