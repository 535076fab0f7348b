import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Context, contextOf } from './context.js';
import { buildProgram } from './program.js';

// commander reads STRONGBOX_REQUEST_TIMEOUT from the process's environment: each test sets its own
// value, and the one the process had is put back after it.
const VARIABLE = 'STRONGBOX_REQUEST_TIMEOUT';
let outside: string | undefined;
beforeEach(() => {
  outside = process.env[VARIABLE];
  delete process.env[VARIABLE];
});
afterEach(() => {
  if (outside === undefined) delete process.env[VARIABLE];
  else process.env[VARIABLE] = outside;
});

/** The context a command would run with, from the real program's global options and variables. */
function contextFor(args: string[]): Context {
  const io = { stdout: new PassThrough(), stderr: new PassThrough(), isTTY: false };
  const program = buildProgram(io);
  let context: Context | undefined;
  program.command('probe').action((_options, command) => {
    context = contextOf(command, io);
  });
  program.parse(['node', 'strongbox', ...args, 'probe']);
  if (!context) throw new Error('the probe command did not run');
  return context;
}

describe('the request timeout', () => {
  it('is 30 s unless told otherwise', () => {
    expect(contextFor([]).client.requestTimeoutMs).toBe(30_000);
  });

  it('is --request-timeout seconds, or STRONGBOX_REQUEST_TIMEOUT, the option first', () => {
    process.env[VARIABLE] = '2.5';
    expect(contextFor([]).client.requestTimeoutMs).toBe(2_500);
    expect(contextFor(['--request-timeout', '90']).client.requestTimeoutMs).toBe(90_000);
  });
});
