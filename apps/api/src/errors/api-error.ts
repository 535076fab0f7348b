import { type ErrorCode, statusOf } from './status-of.js';

/**
 * An error the API answers with its own `code` and a message a person can act on. The HTTP status
 * is not chosen here but derived from the code, in {@link statusOf}.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  /** For plugins that answer errors themselves (Bull Board): the status our code maps to. */
  get statusCode(): number {
    return statusOf(this.code);
  }
}
