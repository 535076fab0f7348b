import { CLIENT_ERROR_CODES, ENGINE_ERROR_CODES } from '@strongbox/engine';
import { describe, expect, it } from 'vitest';
import { STATUS_BY_CODE, statusOf } from './status-of.js';

// How a client waiting with `?wait` is answered for each way the engine fails a job: a 4xx for what
// the request asked for, a 500 for what the server could not do. Deliberately written out: a code
// added to the engine fails the first test below until it is given a status here and in status-of.ts.
const ENGINE_STATUS: Record<string, number> = {
  INVALID_FOLDER: 400,
  OUTSIDE_SOURCE_ROOT: 422,
  NO_SUCH_DIRECTORY: 404,
  NOT_A_DIRECTORY: 422,
  NOT_A_FILE: 422,
  NO_SUCH_PATH: 404,
  NO_SUCH_SNAPSHOT: 409,
  TARGET_EXISTS: 409,
  NO_SPACE: 500,
  IO_ERROR: 500,
  SNAPSHOT_CORRUPT: 500,
  UNKNOWN_LAYOUT: 500,
  REPOSITORY_DAMAGED: 500,
  WRONG_PASSWORD: 500,
  REPOSITORY_UNAVAILABLE: 503,
  REPOSITORY_NOT_FOUND: 503,
  REPOSITORY_EXISTS: 409,
  LAST_KEY: 409,
  NO_SUCH_KEY: 404,
  NOT_OBJECT_REPOSITORY: 409,
};

describe('the status of every engine error code', () => {
  it('maps every code of packages/engine/src/errors.ts explicitly, none by the 500 fallback', () => {
    const unmapped = ENGINE_ERROR_CODES.filter((code) => !Object.hasOwn(STATUS_BY_CODE, code));
    expect(unmapped).toEqual([]);
    expect([...ENGINE_ERROR_CODES].sort()).toEqual(Object.keys(ENGINE_STATUS).sort());
  });

  it("calls the client's doing exactly the codes answered with a 4xx (the queue keeps no stack for them)", () => {
    const fourHundreds = Object.entries(ENGINE_STATUS)
      .filter(([, status]) => status < 500)
      .map(([code]) => code);
    expect([...CLIENT_ERROR_CODES].sort()).toEqual(fourHundreds.sort());
  });

  it.each(Object.entries(ENGINE_STATUS))('answers a job that failed with %s with %i', (code, status) => {
    expect(statusOf(code)).toBe(status);
  });

  it("maps the worker's own codes to 500: the job's body says what happened", () => {
    for (const code of ['WORKER_LOST', 'FOLDER_LOCK_LOST', 'INTERRUPTED', 'INTERNAL']) {
      expect(Object.hasOwn(STATUS_BY_CODE, code), code).toBe(true);
      expect(statusOf(code), code).toBe(500);
    }
  });
});
