/**
 * The one place where error codes become HTTP statuses. Codes come from the API itself (bad
 * requests), from the repositories (INVALID_CURSOR) and from the jobs (a failed job's error code,
 * when a client waits for it with `?wait`).
 */
export const STATUS_BY_CODE = {
  // The request itself is wrong.
  BAD_REQUEST: 400,
  MALFORMED_REQUEST: 400,
  VALIDATION: 400,
  INVALID_JSON: 400,
  INVALID_URL: 400,
  INVALID_QUERY: 400,
  INVALID_FOLDER: 400,
  INVALID_TARGET: 400,
  INVALID_PATH: 400,
  INVALID_DATE_RANGE: 400,
  INVALID_CURSOR: 400,
  INVALID_SCHEDULE: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  // The request is fine but the state of things refuses it.
  JOB_NOT_CANCELLABLE: 409,
  SNAPSHOT_UNAVAILABLE: 409,
  TARGET_EXISTS: 409,
  CANCELLED: 409,
  // How a job ended, for `?wait`: as the contract says, these two, and every other failure is a 500.
  NO_SUCH_DIRECTORY: 404,
  NOT_A_DIRECTORY: 422,
  // Bull Board actions the API's rules refuse (see plugins/bull-board-guard.ts).
  ACTION_REFUSED: 409,
  // Ours.
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

/** The HTTP status for an error code; codes this table does not know are server errors (500). */
export function statusOf(code: string): number {
  return Object.hasOwn(STATUS_BY_CODE, code) ? STATUS_BY_CODE[code as ErrorCode] : 500;
}
