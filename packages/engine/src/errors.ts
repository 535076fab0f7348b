import { getSystemErrorMap } from 'node:util';

/**
 * Stable codes of the engine's errors, which become a failed job's `error.code`; the API maps each
 * to an HTTP status (a test there fails for a code added here without a status); see docs/engine.md.
 */
export const ENGINE_ERROR_CODES = [
  'INVALID_FOLDER',
  'OUTSIDE_SOURCE_ROOT',
  'NO_SUCH_DIRECTORY',
  'NOT_A_DIRECTORY',
  'NOT_A_FILE',
  'NO_SPACE',
  'SNAPSHOT_CORRUPT',
  'NO_SUCH_SNAPSHOT',
  'NO_SUCH_PATH',
  'TARGET_EXISTS',
  'UNKNOWN_LAYOUT',
  'REPOSITORY_DAMAGED',
  'WRONG_PASSWORD',
  'REPOSITORY_UNAVAILABLE',
  'REPOSITORY_NOT_FOUND',
  'REPOSITORY_EXISTS',
  'LAST_KEY',
  'NO_SUCH_KEY',
  'NOT_OBJECT_REPOSITORY',
  'IO_ERROR',
] as const;

export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];

/**
 * The codes of failures the client caused by what it asked for (a folder that does not exist, a
 * target that does): the API answers them with a 4xx, and the queue keeps no stack for them. The
 * others are the server's (a full disk, a corrupt snapshot, an I/O error).
 */
export const CLIENT_ERROR_CODES: readonly EngineErrorCode[] = [
  'INVALID_FOLDER',
  'OUTSIDE_SOURCE_ROOT',
  'NO_SUCH_DIRECTORY',
  'NOT_A_DIRECTORY',
  'NOT_A_FILE',
  'NO_SUCH_SNAPSHOT',
  'NO_SUCH_PATH',
  'TARGET_EXISTS',
  'REPOSITORY_EXISTS',
  'LAST_KEY',
  'NO_SUCH_KEY',
  'NOT_OBJECT_REPOSITORY',
];

/** An error a person can act on, with a stable `code` and whether retrying may help. */
export class EngineError extends Error {
  readonly code: EngineErrorCode;
  /** True when the same call may succeed later (full disk, too many open files, busy resource). */
  readonly transient: boolean;
  readonly details?: unknown;

  constructor(
    code: EngineErrorCode,
    message: string,
    options: { transient?: boolean; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.transient = options.transient ?? code === 'NO_SPACE';
    if (options.details !== undefined) this.details = options.details;
  }
}

const TRANSIENT_ERRNO = new Set([
  'EAGAIN',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'ENOSPC',
  'EDQUOT',
  'EINTR',
  'ENOMEM',
]);

/** The errno code of a Node system error, or undefined. */
export function errnoOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Wraps an unexpected filesystem error, keeping EngineErrors and abort reasons as they are. `what`
 * names paths relative to the source root or the backup folder: the message reaches clients, so it
 * carries the errno's description and never the system error's own message, which holds absolute
 * paths. The original error stays on `cause`, for the worker's log.
 */
export function toEngineError(error: unknown, what: string): unknown {
  if (error instanceof EngineError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = errnoOf(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EngineError('NO_SPACE', `No space left on the backup filesystem while ${what}`, {
      transient: true,
      cause: error,
    });
  }
  return new EngineError('IO_ERROR', `I/O error while ${what}: ${describeErrno(code)}`, {
    transient: code !== undefined && TRANSIENT_ERRNO.has(code),
    cause: error,
  });
}

let errnoDescriptions: Map<string, string> | undefined;

/** "no such file or directory (ENOENT)"; "an unexpected error" for what is not a system error. */
function describeErrno(code: string | undefined): string {
  if (code === undefined) return 'an unexpected error';
  errnoDescriptions ??= new Map([...getSystemErrorMap().values()].map(([name, text]) => [name, text]));
  const text = errnoDescriptions.get(code);
  return text === undefined ? code : `${text} (${code})`;
}
