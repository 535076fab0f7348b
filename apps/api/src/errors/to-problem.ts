import { STATUS_CODES } from 'node:http';
import { redactSecrets } from '@strongbox/config';
import { PATH_ERROR_CODES, SCHEDULE_ERROR_CODE } from '@strongbox/contract';
import { DatabaseBusyError, IdempotencyKeyReusedError, InvalidCursorError } from '@strongbox/db';
import type { FastifyError, FastifySchemaValidationError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from './api-error.js';
import { type ErrorCode, statusOf } from './status-of.js';

/** The body of every error answer, as the contract shapes it. */
export interface Problem {
  statusCode: number;
  error: string;
  code: string;
  message: string;
}

/** Longest message an answer carries: whatever went into it, an answer echoes only a bounded piece. */
export const MAX_MESSAGE_LENGTH = 500;

/** Seconds a client is told to wait (`Retry-After`) before sending again a request answered DATABASE_BUSY. */
export const DATABASE_BUSY_RETRY_AFTER_SECONDS = 1;

const DATABASE_BUSY_MESSAGE =
  'The database refused the change for conflicting locks with concurrent changes, at every attempt; ' +
  `nothing was written: send the same request again in ${DATABASE_BUSY_RETRY_AFTER_SECONDS} s ` +
  '(with the same Idempotency-Key, if it had one)';

/**
 * Turns anything a route or Fastify threw into the answer a client gets. Server errors get a
 * fixed message that points to the log, so internals (SQL, hosts, stacks) never reach a client;
 * DATABASE_BUSY has a fixed message of its own, which tells the client what to do.
 */
export function toProblem(error: unknown, requestId: string): Problem {
  const { code, message } = describe(error);
  const statusCode = statusOf(code);
  if (code === 'DATABASE_BUSY') return problem(statusCode, code, DATABASE_BUSY_MESSAGE);
  if (statusCode >= 500) {
    return problem(
      statusCode,
      code,
      `The server could not complete the request; its log has the details under request id ${requestId}`,
    );
  }
  return problem(statusCode, code, message);
}

/** The headers an error answer carries beside its body: `Retry-After` on DATABASE_BUSY. */
export function problemHeaders(problem: Problem): Record<string, string> {
  return problem.code === 'DATABASE_BUSY' ? { 'Retry-After': String(DATABASE_BUSY_RETRY_AFTER_SECONDS) } : {};
}

/** Builds an error body for a code, with the status that code maps to. */
export function problemOf(code: ErrorCode, message: string): Problem {
  return problem(statusOf(code), code, message);
}

/** `text` cut to its first `max` characters (whole code points), with `…` when it was longer. */
export function cut(text: string, max: number): string {
  const characters = Array.from(text);
  return characters.length <= max ? text : `${characters.slice(0, max).join('')}…`;
}

// Fastify's own errors for a request it could not take in, by their code.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'INVALID_URL',
  // Route parameters are ids (of jobs, of schedules, and of the dashboard's jobs), and folders, whose
  // overlong ones app.ts answers with the folder rule (lib/long-folder.ts); the folder of
  // POST /backup/* is a wildcard, which has no limit: an id that long is nothing's.
  FST_ERR_MAX_PARAM_LENGTH: 'NOT_FOUND',
};

const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_JSON: 'The request body is not valid JSON: send a JSON object such as {"folder": "photos/2024"}',
  PAYLOAD_TOO_LARGE: 'The request body is too large: it may be at most 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON: send it with Content-Type: application/json',
  INVALID_URL: 'The URL is not valid: percent-encode special characters in it (e.g. "/" as %2F)',
  NOT_FOUND: 'There is no job or schedule with that id: ids are UUIDs',
};

const NO_SUCH_FILE = 'There is no such file: a path may not climb out of its folder with ".."';

// The codes of the contract's rules (folder, target, path, schedule): a request that breaks only
// those rules is answered with the rule's code and words.
const RULE_CODES: readonly string[] = [...Object.values(PATH_ERROR_CODES), SCHEDULE_ERROR_CODE];

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (
    error instanceof InvalidCursorError ||
    error instanceof IdempotencyKeyReusedError ||
    error instanceof DatabaseBusyError
  ) {
    return { code: error.code, message: error.message };
  }
  if (hasZodFastifySchemaValidationErrors(error)) return describeValidation(error as FastifyError);
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { code: known, message: FASTIFY_MESSAGES[known] ?? String(fastifyError.message) };
  const status = fastifyError.statusCode;
  // The static file servers (of /docs and of the dashboard) refuse a path that climbs out of their
  // folder with 403; nothing else answers 403. Such a path names no file: the same answer as any other.
  if (status === 403) return { code: 'NOT_FOUND', message: NO_SUCH_FILE };
  // Any other error Fastify marks as the client's fault says itself what is wrong.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { code: 'BAD_REQUEST', message: String(fastifyError.message) };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

/**
 * A request its schemas refused. When every issue breaks one of the contract's rules (a folder,
 * target or path the folder rule refuses, a cron expression or time zone that cannot run), the
 * answer has the first rule's code and words; otherwise the request has the wrong
 * shape (VALIDATION, or INVALID_QUERY for the query string), and every issue is listed.
 */
function describeValidation(error: FastifyError): { code: string; message: string } {
  const issues = error.validation ?? [];
  const [first] = issues;
  const firstCode = first ? ruleCodeOf(first) : undefined;
  if (first && firstCode && issues.every((issue) => ruleCodeOf(issue) !== undefined)) {
    return { code: firstCode, message: first.message ?? firstCode };
  }
  const context = error.validationContext ?? 'request';
  return {
    code: context === 'querystring' ? 'INVALID_QUERY' : 'VALIDATION',
    message: validationDetails(error),
  };
}

/** Every issue of a request its schemas refused, as `body.field: what is wrong`, joined by `; `. */
export function validationDetails(error: Pick<FastifyError, 'validation' | 'validationContext'>): string {
  const context = error.validationContext ?? 'request';
  return (error.validation ?? [])
    .map(
      (issue) => `${context}${issue.instancePath.replace(/\/$/, '').replaceAll('/', '.')}: ${issue.message}`,
    )
    .join('; ');
}

// fastify-type-provider-zod keeps a zod issue's own `params` under the validation entry's `params`.
function ruleCodeOf(issue: FastifySchemaValidationError): string | undefined {
  const code = (issue.params as { params?: { code?: unknown } }).params?.code;
  return typeof code === 'string' && RULE_CODES.includes(code) ? code : undefined;
}

// Every error answer is made here: a secret of the configuration a client put into its request
// (a token in the URL) is not echoed, even to that client.
function problem(statusCode: number, code: string, message: string): Problem {
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message: cut(redactSecrets(message), MAX_MESSAGE_LENGTH),
  };
}
