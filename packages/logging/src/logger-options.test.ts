import { Writable } from 'node:stream';
import { keepSecret } from '@strongbox/config';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, PRETTY_MISSING, SECRET_FREE } from './logger-options.js';

const found = () => '/somewhere/pino-pretty/index.js';
const missing = () => null;

describe('loggerOptions', () => {
  it('logs JSON when not on a terminal and nothing is asked for', () => {
    expect(loggerOptions({ level: 'info', format: null, isTTY: false, findPretty: found })).toEqual({
      level: 'info',
      ...SECRET_FREE,
    });
  });

  it('logs JSON when asked for, even on a terminal', () => {
    expect(loggerOptions({ level: 'debug', format: 'json', isTTY: true, findPretty: found })).toEqual({
      level: 'debug',
      ...SECRET_FREE,
    });
  });

  it('goes through pino-pretty when asked for, or on a terminal', () => {
    for (const settings of [
      { format: 'pretty' as const, isTTY: false },
      { format: null, isTTY: true },
    ]) {
      const options = loggerOptions({ level: 'info', ...settings, findPretty: found });
      expect(options.transport).toMatchObject({ target: '/somewhere/pino-pretty/index.js' });
    }
  });

  it('finds the pino-pretty of a development install', () => {
    const options = loggerOptions({ level: 'info', format: 'pretty', isTTY: false });
    expect(String((options.transport as { target: string }).target)).toContain('pino-pretty');
  });

  it('logs JSON without pino-pretty (a production install), and says why once', () => {
    const said: string[] = [];
    const options = loggerOptions({
      level: 'info',
      format: 'pretty',
      isTTY: false,
      findPretty: missing,
      warn: (message) => said.push(message),
    });
    expect(options).toEqual({ level: 'info', ...SECRET_FREE });
    expect(said).toEqual([PRETTY_MISSING]);
    expect(PRETTY_MISSING).toContain('npm install pino-pretty');
  });
});

describe('a log line', () => {
  it('holds no secret of the configuration, whatever field carries it, and says where one was', () => {
    keepSecret('log-secret-token-1', 'log-db-password');
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions({ level: 'info', format: 'json', isTTY: false }), stream);
    const error = new Error('connect to mysql://root:log-db-password@db failed');
    logger.child({ reqId: 'log-secret-token-1' }).info(
      {
        reason: 'from="log-secret-token-1" is not a date',
        req: { url: '/logs?t=log%2Dsecret-token-1' },
        err: error,
      },
      'refused log-secret-token-1',
    );
    expect(lines).toHaveLength(1);
    const text = lines.join('');
    expect(text).not.toContain('log-secret-token-1');
    expect(text).not.toContain('log%2Dsecret-token-1');
    expect(text).not.toContain('log-db-password');
    const line = JSON.parse(text);
    expect(line.reqId).toBe('[REDACTED]');
    expect(line.reason).toBe('from="[REDACTED]" is not a date');
    expect(line.req.url).toBe('/logs?t=[REDACTED]');
    expect(line.err.message).toBe('connect to mysql://root:[REDACTED]@db failed');
    expect(line.err.stack).toContain('mysql://root:[REDACTED]@db');
    expect(line.msg).toBe('refused [REDACTED]');
  });
});
