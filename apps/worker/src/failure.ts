import type { JobError } from '@strongbox/contract';
import { CLIENT_ERROR_CODES, EngineError } from '@strongbox/engine';
import { FolderLockLostError } from './folder-lock.js';
import { HookFailedError } from './hooks/run-hook.js';

/**
 * The code and message recorded for an error, whether another attempt may succeed, and whether the
 * client caused it.
 */
export interface Failure extends JobError {
  transient: boolean;
  clientError: boolean;
}

/** What becomes of a failed attempt: another one later, or the job ends failed now. */
export type AfterFailure = 'retry' | 'give-up';

/**
 * Only a transient failure is retried, and only while the queue allows another attempt
 * (`attemptsMade` attempts before this one, `attempts` in all).
 */
export function afterFailure(failure: Failure, attemptsMade: number, attempts: number): AfterFailure {
  return failure.transient && attemptsMade + 1 < attempts ? 'retry' : 'give-up';
}

/** How an error is recorded: its own code for an engine error; details of others stay in the log. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof EngineError) {
    const clientError = CLIENT_ERROR_CODES.includes(error.code);
    return { code: error.code, message: error.message, transient: error.transient, clientError };
  }
  // A command hook of the server's configuration failed: running it again would fail the same way.
  if (error instanceof HookFailedError) {
    return { code: error.code, message: error.message, transient: false, clientError: false };
  }
  if (error instanceof FolderLockLostError) {
    return { code: error.code, message: error.message, transient: true, clientError: false };
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return {
      code: 'INTERRUPTED',
      message: 'The worker stopped while the job ran',
      transient: true,
      clientError: false,
    };
  }
  // Anything else (lost database connection, a bug) is worth another try; its details go to the
  // worker's log, not to clients.
  return {
    code: 'INTERNAL',
    message: 'The job failed unexpectedly; see the worker log',
    transient: true,
    clientError: false,
  };
}
