import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobError } from '@strongbox/contract';
import { Job, type JobProgress, UnrecoverableError, Worker } from 'bullmq';

/**
 * Where Strongbox is installed (the repository, or /app in the image): the stacks the queue keeps
 * name files relative to it. This file is apps/worker/{src,dist}/queue-failure.*.
 */
const INSTALL_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A failed attempt as the processor hands it to the queue. */
export interface QueueFailure extends JobError {
  /** True when the client caused it (a folder that does not exist…): no stack is kept then. */
  clientError: boolean;
}

/**
 * The error the queue records for a failed attempt: `CODE: message` as the job's `failedReason`,
 * an UnrecoverableError when no attempt should follow. A failure the client caused keeps no stack
 * at all; any other keeps the frames of `cause` (where it failed), without `cause`'s own message,
 * which may hold absolute paths of the data.
 */
export function queueError(failure: QueueFailure, cause: unknown, final: boolean): Error {
  const message = `${failure.code}: ${failure.message}`;
  const error = final ? new UnrecoverableError(message) : new Error(message);
  if (failure.clientError) error.stack = '';
  else if (cause instanceof Error && cause.stack) error.stack = withFrames(error, cause.stack);
  return error;
}

/**
 * `error`'s name and message, then the frames of `stack`, each file named relative to
 * {@link INSTALL_ROOT} (a file outside it by its name only): the queue keeps no absolute path and
 * no `file://` URL, whoever made the error.
 */
function withFrames(error: Error, stack: string): string {
  const frames = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .map(relativeFrame);
  return [`${error.name}: ${error.message}`, ...frames].join('\n');
}

// `    at name (location)` or `    at location`, the location ending in :line:column.
const FRAME = /^(\s+at (?:async )?(?:.+ \()?)(.+?)(:\d+:\d+)?(\)?)$/;

function relativeFrame(frame: string): string {
  const match = FRAME.exec(frame);
  if (!match) return frame;
  const [, before, location = '', position = '', after = ''] = match;
  const file = location.startsWith('file://') ? fileURLToPath(location) : location;
  if (!path.isAbsolute(file)) return `${before}${location}${position}${after}`;
  const relative = path.relative(INSTALL_ROOT, file);
  const named = relative.startsWith('..') || path.isAbsolute(relative) ? path.basename(file) : relative;
  return `${before}${named}${position}${after}`;
}

/**
 * A job whose failures are stored as {@link withFrames} writes them: every failure a worker hands
 * the queue passes here (BullMQ records `err.stack` in `job.stacktrace`), the processor's and the
 * ones BullMQ makes itself (a job that stalled too often).
 */
// biome-ignore lint/suspicious/noExplicitAny: the defaults of BullMQ's own Job, which this stands in for.
class QueueJob<D = any, R = any, N extends string = string, P extends JobProgress = JobProgress> extends Job<
  D,
  R,
  N,
  P
> {
  override moveToFailed<E extends Error>(
    err: E,
    token: string,
    fetchNext?: boolean,
  ): ReturnType<Job['moveToFailed']> {
    if (err.stack) err.stack = withFrames(err, err.stack);
    return super.moveToFailed(err, token, fetchNext);
  }
}

/** BullMQ's worker, whose jobs store failures without absolute paths ({@link QueueJob}). */
export class StrongboxWorker<DataType = unknown, ResultType = unknown> extends Worker<DataType, ResultType> {
  protected override get Job(): typeof Job {
    return QueueJob;
  }
}
