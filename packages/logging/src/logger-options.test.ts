import { describe, expect, it } from 'vitest';
import { loggerOptions, PRETTY_MISSING } from './logger-options.js';

const found = () => '/somewhere/pino-pretty/index.js';
const missing = () => null;

describe('loggerOptions', () => {
  it('logs JSON when not on a terminal and nothing is asked for', () => {
    expect(loggerOptions({ level: 'info', format: null, isTTY: false, findPretty: found })).toEqual({
      level: 'info',
    });
  });

  it('logs JSON when asked for, even on a terminal', () => {
    expect(loggerOptions({ level: 'debug', format: 'json', isTTY: true, findPretty: found })).toEqual({
      level: 'debug',
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
    expect(options).toEqual({ level: 'info' });
    expect(said).toEqual([PRETTY_MISSING]);
    expect(PRETTY_MISSING).toContain('npm install pino-pretty');
  });
});
