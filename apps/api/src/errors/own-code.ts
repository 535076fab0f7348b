import { ApiError } from './api-error.js';
import { type ErrorCode, STATUS_BY_CODE } from './status-of.js';

/**
 * An error of the repository or the database with a code the API maps (REPOSITORY_NOT_FOUND,
 * REPOSITORY_UNAVAILABLE, WRONG_PASSWORD, REPOSITORY_DAMAGED, NO_SUCH_PATH…) as an ApiError of that
 * code, so its status is that code's; the original stays its cause, for the log.
 */
export function withOwnCode(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof ApiError || !(error instanceof Error) || typeof code !== 'string') return error;
  if (!Object.hasOwn(STATUS_BY_CODE, code)) return error;
  const own = new ApiError(code as ErrorCode, error.message);
  own.cause = error;
  return own;
}
