import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ErrorCode } from './status-of.js';
import { problemOf } from './to-problem.js';

const MESSAGES = {
  HEADERS_TOO_LARGE: 'The request line and headers are too large: they may be at most 16 KiB together',
  REQUEST_TIMEOUT: 'The request did not arrive in time: send it whole, without pausing',
  MALFORMED_REQUEST:
    'The request is not well-formed HTTP/1.1 (a control character in a header, a bad request line…)',
} as const satisfies Partial<Record<ErrorCode, string>>;

/**
 * Fastify's `clientErrorHandler`: answers what Node's HTTP parser refused before any route saw it
 * (a 100 KB request line, a control byte in a header) in the same shape as every other error,
 * naming nothing of the request, then closes the connection.
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Duplex,
): void {
  // A connection the client reset is gone: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = codeOf(error.code);
  const problem = problemOf(code, MESSAGES[code]);
  this.log.info({ code, parserError: error.code }, 'malformed request refused');
  const body = JSON.stringify(problem);
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  socket.end(
    `HTTP/1.1 ${problem.statusCode} ${STATUS_CODES[problem.statusCode]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function codeOf(parserError: string | undefined): keyof typeof MESSAGES {
  if (parserError === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (parserError === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'MALFORMED_REQUEST';
}
