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
  INVALID_FORM: 400,
  INVALID_URL: 400,
  INVALID_QUERY: 400,
  UNKNOWN_PARAMETER: 400,
  INVALID_FOLDER: 400,
  INVALID_TARGET: 400,
  INVALID_PATH: 400,
  INVALID_DATE_RANGE: 400,
  INVALID_CURSOR: 400,
  INVALID_SCHEDULE: 400,
  // A webhook URL: not http(s), a host with no address, or one in a private range.
  INVALID_WEBHOOK_URL: 400,
  WEBHOOK_URL_UNRESOLVED: 400,
  WEBHOOK_URL_PRIVATE: 400,
  INVALID_POLICY: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  // GET /folders/{folder} of a folder that has no job, no schedule and no policy.
  UNKNOWN_FOLDER: 404,
  METHOD_NOT_ALLOWED: 405,
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
  // POST /repository/rebuild on a deployment that keeps its snapshots in the local tree.
  NOT_OBJECT_REPOSITORY: 409,
  // GET /backups/{id}/diff/{otherId} of two backups of different folders.
  DIFFERENT_FOLDERS: 409,
  // How a job ended, for `?wait`. What the request asked for was wrong (a 4xx, as if the API had
  // found it out itself): every code the engine has is listed here or below, and a test fails for
  // an engine code that is in neither place.
  NO_SUCH_DIRECTORY: 404,
  NO_SUCH_PATH: 404,
  NOT_A_DIRECTORY: 422,
  // GET /backups/{id}/file of a path that is a directory or a symlink.
  NOT_A_FILE: 422,
  OUTSIDE_SOURCE_ROOT: 422,
  // The snapshot went between the request and the job: the same answer as SNAPSHOT_UNAVAILABLE.
  NO_SUCH_SNAPSHOT: 409,
  // …or the server could not do what was asked: the job's body says why.
  NO_SPACE: 500,
  IO_ERROR: 500,
  SNAPSHOT_CORRUPT: 500,
  UNKNOWN_LAYOUT: 500,
  REPOSITORY_DAMAGED: 500,
  WRONG_PASSWORD: 500,
  WORKER_LOST: 500,
  FOLDER_LOCK_LOST: 500,
  INTERRUPTED: 500,
  // A command hook of HOOKS_FILE run before the backup failed or timed out (apps/worker/src/hooks).
  HOOK_FAILED: 500,
  // Bull Board actions the API's rules refuse (see plugins/bull-board-guard.ts).
  ACTION_REFUSED: 409,
  // Ours.
  INTERNAL: 500,
  UNAVAILABLE: 503,
  // MySQL refused a change for conflicting locks at every attempt (packages/db's inTransaction):
  // nothing was written, and the same request may succeed a moment later (Retry-After).
  DATABASE_BUSY: 503,
  // The repository's storage did not answer, or refused us (no such bucket, access denied).
  REPOSITORY_UNAVAILABLE: 503,
  // Nothing at REPOSITORY_URL: it was never created (`npm run repository -- init`), or the URL is mistyped.
  REPOSITORY_NOT_FOUND: 503,
  // Only the init command meets it: no request creates a repository.
  REPOSITORY_EXISTS: 409,
  // Only the key commands meet them: a key that would leave the repository without one, or none of that id.
  LAST_KEY: 409,
  NO_SUCH_KEY: 404,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

/** The HTTP status for an error code; codes this table does not know are server errors (500). */
export function statusOf(code: string): number {
  return Object.hasOwn(STATUS_BY_CODE, code) ? STATUS_BY_CODE[code as ErrorCode] : 500;
}
