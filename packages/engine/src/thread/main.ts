// The entry of a copy thread: runs the tasks of thread/messages.ts with synchronous calls, so that
// copying, hashing and counting stay off the caller's event loop. Paths it receives are anchored at
// directory descriptors the caller holds open (`/proc/self/fd/N/name`), so a directory swapped for a
// symlink cannot redirect it.
import { parentPort, workerData } from 'node:worker_threads';
import { Cancelled } from '../cancelled.js';
import { errnoOf } from '../errors.js';
import { type TaskContext, TaskFailure } from './context.js';
import { copyBatch } from './copy-batch.js';
import { countTree } from './count-tree.js';
import { hashFile } from './hash-file.js';
import type { TaskKind, TaskMessage, TaskOf, TaskResults, ThreadFailure, ThreadReply } from './messages.js';

/** Bytes a batch copies between two progress replies. */
const PROGRESS_EVERY = 8 * 1024 * 1024;

/** One handler per kind of task: a kind without one does not compile. */
const handlers: { [K in TaskKind]: (task: TaskOf<K>, context: TaskContext) => TaskResults[K] } = {
  batch: copyBatch,
  count: countTree,
  hash: hashFile,
};

const port = parentPort;
if (!port) throw new Error('thread/main.js runs only as a worker thread');
const umask: number = (workerData as { umask?: number } | null)?.umask ?? 0o022;

port.on('message', (task: TaskMessage) => {
  const reply = (message: ThreadReply) => port.postMessage(message);
  const cancel = new Int32Array(task.cancel);
  let unreported = 0;
  const context: TaskContext = {
    checkCancel() {
      if (Atomics.load(cancel, 0) !== 0) throw new Cancelled();
    },
    progress(bytes) {
      unreported += bytes;
      if (unreported >= PROGRESS_EVERY) {
        reply({ type: 'progress', id: task.id, bytes: unreported });
        unreported = 0;
      }
    },
    umask,
  };
  try {
    const handler = handlers[task.kind] as (task: TaskMessage, context: TaskContext) => TaskResults[TaskKind];
    reply({ type: 'ok', id: task.id, result: handler(task, context) });
  } catch (error) {
    if (error instanceof Cancelled) reply({ type: 'cancelled', id: task.id });
    else reply({ type: 'error', id: task.id, error: describe(error) });
  }
});

function describe(error: unknown): ThreadFailure {
  const failure = error instanceof TaskFailure ? error : undefined;
  const cause = failure ? failure.cause : error;
  return {
    message: cause instanceof Error ? cause.message : String(cause),
    code: errnoOf(cause),
    syscall: (cause as { syscall?: string } | undefined)?.syscall,
    operation: failure?.operation,
    relativePath: failure?.relativePath,
  };
}
