import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EngineError, toEngineError } from './errors.js';
import { absolutePathsIn, rejectionOf, workspace } from './testing/helpers.js';

let ws: Awaited<ReturnType<typeof workspace>>;
beforeEach(async () => {
  ws = await workspace();
});
afterEach(async () => {
  await ws.cleanup();
});

describe('toEngineError', () => {
  it('keeps absolute paths out of the message and on the cause', async () => {
    const failure = await rejectionOf(fsp.open(path.join(ws.dir, 'missing/file.txt')));
    const error = toEngineError(failure, 'reading a.txt') as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect(error.message).toBe('I/O error while reading a.txt: no such file or directory (ENOENT)');
    expect(absolutePathsIn(error.message)).toEqual([]);
    expect(error.cause).toBe(failure);
    expect((failure as Error).message).toContain(ws.dir);
  });

  it('says "an unexpected error" for what is not a system error, and keeps it as the cause', () => {
    const bug = new TypeError(`cannot read ${ws.dir}`);
    const error = toEngineError(bug, 'copying') as EngineError;
    expect({ code: error.code, message: error.message, transient: error.transient }).toEqual({
      code: 'IO_ERROR',
      message: 'I/O error while copying: an unexpected error',
      transient: false,
    });
    expect(error.cause).toBe(bug);
  });

  it('makes a full disk NO_SPACE and transient', async () => {
    const full = Object.assign(new Error(`ENOSPC: no space left on device, write '${ws.dir}/x'`), {
      code: 'ENOSPC',
    });
    const error = toEngineError(full, 'copying a.txt') as EngineError;
    expect({ code: error.code, message: error.message, transient: error.transient }).toEqual({
      code: 'NO_SPACE',
      message: 'No space left on the backup filesystem while copying a.txt',
      transient: true,
    });
  });
});

describe('absolutePathsIn', () => {
  it('finds absolute paths and leaves relative ones', () => {
    expect(absolutePathsIn("open '/tmp/x/y' failed: /etc/passwd (a/b/c)")).toEqual([
      '/tmp/x/y',
      '/etc/passwd',
    ]);
    expect(absolutePathsIn('I/O error while reading photos/2024/a.txt: (ENOENT)')).toEqual([]);
  });
});
