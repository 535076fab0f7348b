import { STATUS_CODES } from 'node:http';
import { jobSchema } from '@strongbox/contract';
import { z } from 'zod';
import { type ErrorCode, STATUS_BY_CODE } from '../errors/status-of.js';
import { problemSchema } from './components.js';
import { type HeaderDoc, RETRY_AFTER, RETRY_AFTER_BUSY, WWW_AUTHENTICATE } from './headers.js';

/** An example message for each code, for the OpenAPI document. */
const EXAMPLES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'Body cannot be empty when content-type is set to application/json',
  MALFORMED_REQUEST:
    'The request is not well-formed HTTP/1.1 (a control character in a header, a bad request line…)',
  VALIDATION: 'body.folder: Invalid input: expected string, received number',
  INVALID_JSON: 'The request body is not valid JSON: send a JSON object such as {"folder": "photos/2024"}',
  INVALID_FORM:
    'The form body is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text (curl --data-urlencode path_to_folder=NAME does)',
  INVALID_URL: 'The URL is not valid: percent-encode special characters in it (e.g. "/" as %2F)',
  INVALID_QUERY: 'querystring.limit: Too small: expected number to be >=1',
  UNKNOWN_PARAMETER:
    'Unknown query parameter "state": GET /backups takes kind, status, folder, limit, cursor',
  INVALID_FOLDER: 'The folder must not have "." or ".." segments: got "../etc"',
  INVALID_TARGET: 'The target must be relative to the source root, not absolute: got "/etc"',
  INVALID_PATH: 'The path must not have empty segments (leading, trailing or double "/"): got "a//b"',
  INVALID_DATE_RANGE: 'from (2026-11-22) is after to (2026-11-21): swap them',
  INVALID_CURSOR: 'The cursor is not one this server gave out: start again without it',
  INVALID_SCHEDULE:
    'The cron expression "61 * * * *" cannot run: Constraint error, got value 61 expected range 0-59',
  INVALID_WEBHOOK_URL: 'The webhook URL must start with http:// or https://: got "ftp://hooks.example.com/"',
  WEBHOOK_URL_UNRESOLVED: 'The webhook host "hooks.example.invalid" does not resolve (ENOTFOUND)',
  WEBHOOK_URL_PRIVATE:
    'The webhook host "intranet.example.com" is at 10.0.0.7, a loopback, link-local or private address: webhooks reach public addresses only (WEBHOOK_ALLOW_PRIVATE=true lifts this)',
  INVALID_POLICY:
    'The policy was refused: body.exclude.2: The exclude line "**/a/**/b/**" has 3 "**": at most 2 are allowed, each more multiplies the matching work on deep trees',
  UNKNOWN_FOLDER:
    'There is no folder "photos/2025" here: it has no job, no schedule and no policy (folders are listed by GET /folders)',
  UNAUTHORIZED: 'This server needs a token: send Authorization: Bearer <token>',
  NOT_FOUND: 'There is no job with id "5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69"',
  METHOD_NOT_ALLOWED:
    'GET never starts a backup: send POST /backup/photos%2F2024 (curl -X POST), or POST /backups with {"folder": "photos/2024"}',
  REQUEST_TIMEOUT: 'The request did not arrive in time: send it whole, without pausing',
  PAYLOAD_TOO_LARGE: 'The request body is too large: it may be at most 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON: send it with Content-Type: application/json',
  IDEMPOTENCY_KEY_REUSED:
    'This Idempotency-Key was already used for a different request (another route, body or folder) in the last 24 hours: send a new key with a new request',
  RATE_LIMITED: 'Too many requests: at most 1000 per 60 s; try again in 12 s',
  HEADERS_TOO_LARGE: 'The request line and headers are too large: they may be at most 16 KiB together',
  JOB_NOT_CANCELLABLE:
    'Job 5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69 is running: only a queued job can be cancelled',
  SNAPSHOT_UNAVAILABLE:
    'Backup 5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69 is failed: only a backup that succeeded has a snapshot',
  TARGET_EXISTS: 'Target already exists: restored/photos',
  NOT_OBJECT_REPOSITORY:
    'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): it has no catalog to rebuild',
  DIFFERENT_FOLDERS:
    'Backup 5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69 is of folder "photos" and backup 0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8 of folder "music": a diff compares two snapshots of one folder',
  CANCELLED: 'Cancelled at the request of a client before it started',
  NO_SUCH_DIRECTORY: 'No such directory: photos/2024',
  NO_SUCH_PATH: 'No such path in snapshot photos/2024/20261122T020032Z-accbce: sub/dir',
  NOT_A_DIRECTORY: 'Not a directory: notes.txt',
  NOT_A_FILE: 'Not a file in snapshot 5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69: sub/dir is a directory',
  OUTSIDE_SOURCE_ROOT: 'Outside the source root: photos/link-to-etc',
  NO_SUCH_SNAPSHOT: 'No such snapshot: photos/2024/20261122T020032Z-accbce',
  NO_SPACE: 'No space left on the backup filesystem while copying photos/2024/a.jpg',
  IO_ERROR: 'I/O error while reading photos/2024/a.jpg: input/output error (EIO)',
  SNAPSHOT_CORRUPT:
    'Snapshot photos/2024/20261122T020032Z-accbce differs from its manifest: a.jpg (content differs)',
  UNKNOWN_LAYOUT: 'The backup folder has layout version 9, which this Strongbox does not know (it knows 1)',
  REPOSITORY_DAMAGED:
    'Repository damaged: data blob 3f2a…c1 failed authentication: it is damaged, or was altered or moved',
  WRONG_PASSWORD: 'The repository password opens none of its keys: check REPOSITORY_PASSWORD',
  WORKER_LOST: 'The workers running this job stopped more often than the queue allows',
  FOLDER_LOCK_LOST: 'The lease on the folder was taken over by another attempt while the backup ran',
  INTERRUPTED: 'The worker stopped while the job ran',
  HOOK_FAILED: 'The before hook (pg_dump) exited 1: connection to server failed',
  ACTION_REFUSED: 'Job 5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69 has ended (failed): start a new one instead',
  INTERNAL: 'The server could not complete the request; its log has the details under request id req-1f',
  UNAVAILABLE: 'Not ready: Redis did not answer',
  DATABASE_BUSY:
    'The database refused the change for conflicting locks with concurrent changes, at every attempt; nothing was written: send the same request again in 1 s (with the same Idempotency-Key, if it had one)',
  REPOSITORY_UNAVAILABLE:
    'Repository unavailable: bucket backups does not exist at http://127.0.0.1:9000 (NoSuchBucket)',
  REPOSITORY_NOT_FOUND:
    'No repository at s3://backups/strongbox/ at http://127.0.0.1:9000: create one with `npm run repository -- init`',
  REPOSITORY_EXISTS: 'There is a repository at s3://backups/strongbox/ already',
  LAST_KEY: "Key 0f3a… is the repository's last key: add another password before removing it",
  NO_SUCH_KEY: 'The repository has no key "0f3a…"',
};

/** The codes every route may answer, whatever it does: its query string is checked everywhere. */
const EVERY_ROUTE: ErrorCode[] = [
  'UNKNOWN_PARAMETER',
  'INVALID_URL',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'INTERNAL',
];
/** …and those of the routes that take a body, or query parameters. */
export const BODY_ERRORS: ErrorCode[] = [
  'VALIDATION',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
];
export const QUERY_ERRORS: ErrorCode[] = ['INVALID_QUERY'];

/** …and those of the routes that write to MySQL. */
export const WRITE_ERRORS: ErrorCode[] = ['DATABASE_BUSY'];

/** Headers of the error answers, by code. */
const ERROR_HEADERS: Partial<Record<ErrorCode, Record<string, HeaderDoc>>> = {
  UNAUTHORIZED: { 'WWW-Authenticate': WWW_AUTHENTICATE },
  RATE_LIMITED: { 'Retry-After': RETRY_AFTER },
  DATABASE_BUSY: { 'Retry-After': RETRY_AFTER_BUSY },
};

/**
 * One answer of a route as the OpenAPI document shows it and Fastify serializes it: a description,
 * the schema of its body by content type, and its headers.
 */
export interface Answer {
  description: string;
  content: Record<string, { schema: z.ZodType }>;
  headers?: Record<string, HeaderDoc>;
  /** Examples of the body, by name. */
  examples?: Record<string, unknown>;
}

/** A JSON answer. */
export function json(
  description: string,
  schema: z.ZodType,
  more: Pick<Answer, 'headers' | 'examples'> = {},
): Answer {
  return { description, content: { 'application/json': { schema } }, ...more };
}

/**
 * The error body, named `Problem`, with `code` documented as an enum of the codes a route answers
 * with that status (a proxy that checks answers against the document refuses any other).
 */
function problemWith(codes: ErrorCode[]) {
  return z.intersection(problemSchema, z.looseObject({ code: z.string().meta({ enum: codes }) }));
}

function problemExamples(status: number, codes: ErrorCode[]): Record<string, unknown> {
  return Object.fromEntries(
    codes.map((code) => [
      code,
      { statusCode: status, error: STATUS_CODES[status], code, message: EXAMPLES[code] },
    ]),
  );
}

// A job that ended so, answered with `?wait` under the status its error code maps to.
function endedJob(code: string, message: string) {
  return {
    id: '354d99af-113a-43e3-839e-bc62ea4f1393',
    kind: 'backup',
    folder: 'photos/2024',
    scheduleId: null,
    status: code === 'CANCELLED' ? 'cancelled' : 'failed',
    attempts: code === 'CANCELLED' ? 0 : 1,
    worker: code === 'CANCELLED' ? null : 'backup-1:4242',
    createdAt: '2026-11-22T02:00:33.720Z',
    startedAt: code === 'CANCELLED' ? null : '2026-11-22T02:00:33.745Z',
    finishedAt: '2026-11-22T02:00:33.754Z',
    progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
    result: null,
    error: { code, message },
    params: null,
    prunedAt: null,
  };
}

/** Options for {@link responses}. */
export interface ResponsesOptions {
  /**
   * With `?wait`, a job that failed is answered with the status its error code maps to and the
   * job as the body: those statuses may carry a job or an error.
   */
  jobOutcomes?: boolean;
  /** For /health: no token and no rate limit, so no 401 and no 429. */
  open?: boolean;
}

// How a job may end when a client waits for it, by the status it is answered with, and an example.
const JOB_OUTCOMES: Record<number, { when: string; code: string; message: string }> = {
  404: {
    when: 'the job failed with NO_SUCH_DIRECTORY or NO_SUCH_PATH',
    code: 'NO_SUCH_DIRECTORY',
    message: EXAMPLES.NO_SUCH_DIRECTORY,
  },
  409: {
    when: 'the job was cancelled, a restore found its target (TARGET_EXISTS), or the snapshot was gone (NO_SUCH_SNAPSHOT)',
    code: 'CANCELLED',
    message: EXAMPLES.CANCELLED,
  },
  422: {
    when: 'the job failed with NOT_A_DIRECTORY or OUTSIDE_SOURCE_ROOT',
    code: 'NOT_A_DIRECTORY',
    message: EXAMPLES.NOT_A_DIRECTORY,
  },
  500: {
    when: 'the job failed on the server (NO_SPACE, IO_ERROR, SNAPSHOT_CORRUPT, WORKER_LOST, HOOK_FAILED, …)',
    code: 'IO_ERROR',
    message: EXAMPLES.IO_ERROR,
  },
};

/**
 * A route's answers for the OpenAPI document and the serializer: its successes, and an error body
 * for each status its codes map to (plus those every route may answer).
 */
export function responses<S extends Record<number, z.ZodType | Answer>>(
  success: S,
  codes: ErrorCode[],
  options: ResponsesOptions = {},
): S & Record<number, Answer> {
  const everyRoute = EVERY_ROUTE.filter(
    (code) => !(options.open && (code === 'UNAUTHORIZED' || code === 'RATE_LIMITED')),
  );
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...new Set([...codes, ...everyRoute])]) {
    const status = STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const answers: Record<number, z.ZodType | Answer> = { ...success };
  const statuses = new Set([
    ...byStatus.keys(),
    ...(options.jobOutcomes ? Object.keys(JOB_OUTCOMES).map(Number) : []),
  ]);
  for (const status of [...statuses].sort()) {
    const statusCodes = byStatus.get(status) ?? [];
    const outcome = options.jobOutcomes ? JOB_OUTCOMES[status] : undefined;
    const headers = statusCodes.some((code) => ERROR_HEADERS[code])
      ? Object.assign({}, ...statusCodes.map((code) => ERROR_HEADERS[code] ?? {}))
      : undefined;
    const examples = problemExamples(status, statusCodes);
    if (outcome) {
      const job = {
        [`job${outcome.code === 'CANCELLED' ? 'Cancelled' : 'Failed'}`]: endedJob(
          outcome.code,
          outcome.message,
        ),
      };
      answers[status] =
        statusCodes.length === 0
          ? json(`the job, when ${outcome.when}`, jobSchema, { examples: job })
          : json(
              `the job, when ${outcome.when}; otherwise an error (${statusCodes.join(', ')})`,
              z.union([jobSchema, problemWith(statusCodes)]),
              { headers, examples: { ...job, ...examples } },
            );
    } else {
      answers[status] = json(`${STATUS_CODES[status]}: ${statusCodes.join(', ')}`, problemWith(statusCodes), {
        headers,
        examples,
      });
    }
  }
  return answers as S & Record<number, Answer>;
}
