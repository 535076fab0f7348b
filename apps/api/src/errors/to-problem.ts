import { STATUS_CODES } from 'node:http';
import { InvalidCursorError } from '@strongbox/db';
import type { FastifyError } from 'fastify';
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

/**
 * Turns anything a route or Fastify threw into the answer a client gets. Server errors get a
 * fixed message that points to the log, so internals (SQL, hosts, stacks) never reach a client.
 */
export function toProblem(error: unknown, requestId: string): Problem {
  const { code, message } = describe(error);
  const statusCode = statusOf(code);
  if (statusCode >= 500) {
    return problem(
      statusCode,
      code,
      `The server could not complete the request; its log has the details under request id ${requestId}`,
    );
  }
  return problem(statusCode, code, message);
}

/** Builds an error body for a code, with the status that code maps to. */
export function problemOf(code: ErrorCode, message: string): Problem {
  return problem(statusOf(code), code, message);
}

// Fastify's own errors for a request it could not take in, by their code.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_BAD_URL: 'INVALID_URL',
};

const FASTIFY_MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_JSON: 'The request body is not valid JSON: send a JSON object such as {"folder": "photos/2024"}',
  PAYLOAD_TOO_LARGE: 'The request body is too large: it may be at most 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'The request body must be JSON: send it with Content-Type: application/json',
  INVALID_URL: 'The URL is not valid: percent-encode special characters in it (e.g. "/" as %2F)',
};

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof InvalidCursorError) return { code: error.code, message: error.message };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = (error as FastifyError).validationContext ?? 'request';
    const details = error.validation
      .map((issue) => `${context}${issue.instancePath.replaceAll('/', '.')}: ${issue.message}`)
      .join('; ');
    return { code: context === 'querystring' ? 'INVALID_QUERY' : 'VALIDATION', message: details };
  }
  const fastifyError = error as Partial<FastifyError>;
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { code: known, message: FASTIFY_MESSAGES[known] ?? String(fastifyError.message) };
  // Any other error Fastify marks as the client's fault says itself what is wrong.
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { code: 'BAD_REQUEST', message: String(fastifyError.message) };
  }
  return { code: 'INTERNAL', message: 'internal error' };
}

function problem(statusCode: number, code: string, message: string): Problem {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message };
}
