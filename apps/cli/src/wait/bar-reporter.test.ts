import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jobOf } from '../testing/jobs.js';
import { barReporter } from './bar-reporter.js';

describe('barReporter', () => {
  it('clears the bar for a notice on stderr, and draws it again at the next answer', () => {
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const reporter = barReporter({ stdout, stderr, isTTY: true });
    const running = jobOf({
      status: 'running',
      progress: { filesDone: 1, filesTotal: 4, bytesDone: 10, bytesTotal: 40 },
    });
    reporter.update(running, 0);
    const drawn = out;
    expect(drawn).toContain('1/4 files');

    reporter.notice('could not reach the API at http://127.0.0.1:1: ECONNREFUSED');
    expect(err).toBe('strongbox: could not reach the API at http://127.0.0.1:1: ECONNREFUSED\n');
    const cleared = out;
    // Cleared: the whole line erased (readline's clearLine) before the notice.
    expect(cleared.slice(drawn.length)).toContain('\x1b[2K');

    reporter.update({ ...running, progress: { ...running.progress, filesDone: 2 } }, 1000);
    reporter.stop();
    expect(out.slice(cleared.length)).toContain('2/4 files');
  });
});
