import { DatabaseBusyError, IdempotencyKeyReusedError, InvalidCursorError } from '@strongbox/db';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { STATUS_BY_CODE, statusOf } from './status-of.js';
import { toProblem } from './to-problem.js';

describe('statusOf', () => {
  it.each([
    ['INVALID_FOLDER', 400],
    ['INVALID_QUERY', 400],
    ['INVALID_DATE_RANGE', 400],
    ['INVALID_CURSOR', 400],
    ['VALIDATION', 400],
    ['UNAUTHORIZED', 401],
    ['NOT_FOUND', 404],
    ['NO_SUCH_DIRECTORY', 404],
    ['NOT_A_DIRECTORY', 422],
    ['JOB_NOT_CANCELLABLE', 409],
    ['SNAPSHOT_UNAVAILABLE', 409],
    ['TARGET_EXISTS', 409],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['HEADERS_TOO_LARGE', 431],
    ['MALFORMED_REQUEST', 400],
    ['REQUEST_TIMEOUT', 408],
    ['PAYLOAD_TOO_LARGE', 413],
    ['OUTSIDE_SOURCE_ROOT', 422],
    ['UNKNOWN_PARAMETER', 400],
    ['METHOD_NOT_ALLOWED', 405],
    ['SNAPSHOT_CORRUPT', 500],
    ['NO_SPACE', 500],
    ['IO_ERROR', 500],
    ['DATABASE_BUSY', 503],
    ['SOMETHING_NEW', 500],
  ])('maps %s to %i', (code, status) => {
    expect(statusOf(code)).toBe(status);
  });

  it('does not take inherited names for codes', () => {
    expect(statusOf('toString')).toBe(500);
    expect(Object.keys(STATUS_BY_CODE)).not.toContain('toString');
  });
});

describe('toProblem', () => {
  it('answers an ApiError with its code, its status and its message', () => {
    expect(toProblem(new ApiError('INVALID_FOLDER', 'The folder must not be empty'), 'req-1')).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'INVALID_FOLDER',
      message: 'The folder must not be empty',
    });
  });

  it('answers a bad cursor from the repositories as a 400', () => {
    expect(toProblem(new InvalidCursorError(), 'req-1')).toMatchObject({
      statusCode: 400,
      code: 'INVALID_CURSOR',
    });
  });

  it('answers a reused Idempotency-Key from the repositories as a 422', () => {
    expect(toProblem(new IdempotencyKeyReusedError(), 'req-1')).toMatchObject({
      statusCode: 422,
      error: 'Unprocessable Entity',
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });

  it('answers a write MySQL refused at every attempt as a 503 that says to send the request again, without its SQL error', () => {
    const cause = Object.assign(new Error('Deadlock found when trying to get lock'), {
      code: 'ER_LOCK_DEADLOCK',
    });
    expect(toProblem(new DatabaseBusyError(5, cause), 'req-1')).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'DATABASE_BUSY',
      message:
        'The database refused the change for conflicting locks with concurrent changes, at every attempt; nothing was written: send the same request again in 1 s (with the same Idempotency-Key, if it had one)',
    });
  });

  it('answers an over-long route parameter (only ids are parameters) as an unknown id', () => {
    const tooLong = Object.assign(new Error(`'/backups/${'a'.repeat(9000)}' is too long`), {
      code: 'FST_ERR_MAX_PARAM_LENGTH',
      statusCode: 414,
    });
    expect(toProblem(tooLong, 'r')).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no job or schedule with that id: ids are UUIDs',
    });
  });

  it('answers the 403 of a static file server (a path climbing out with "..") as an unknown file', () => {
    const forbidden = Object.assign(new Error('Forbidden'), { statusCode: 403, status: 403, expose: true });
    expect(toProblem(forbidden, 'r')).toEqual({
      statusCode: 404,
      error: 'Not Found',
      code: 'NOT_FOUND',
      message: 'There is no such file: a path may not climb out of its folder with ".."',
    });
  });

  it('cuts any message to 500 characters, whatever it echoes', () => {
    const problem = toProblem(new ApiError('BAD_REQUEST', `Bad: ${'x'.repeat(10_000)}`), 'r');
    expect(problem.message).toBe(`Bad: ${'x'.repeat(495)}…`);
  });

  it('never shows the details of a server error', () => {
    const problem = toProblem(new Error("Access denied for user 'root'@'10.0.0.5'"), 'req-7');
    expect(problem).toMatchObject({ statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL' });
    expect(problem.message).not.toContain('root');
    expect(problem.message).toContain('req-7');
  });

  it('maps Fastify body errors to our codes', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), {
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    expect(toProblem(tooLarge, 'r')).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const badJson = Object.assign(new Error('Body is not valid JSON'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    expect(toProblem(badJson, 'r')).toMatchObject({ statusCode: 400, code: 'INVALID_JSON' });
  });
});
