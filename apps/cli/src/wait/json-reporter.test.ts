import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Job } from '../api/types.js';
import { jobOf } from '../testing/jobs.js';
import { JSON_PROGRESS_INTERVAL_MS, jsonReporter } from './json-reporter.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return {
    io: { stdout, stderr, isTTY: false },
    printed: () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Job),
    errors: () => err,
  };
}

describe('jsonReporter', () => {
  it('prints every status change, and a running job again each interval even when nothing moved', () => {
    const { io, printed } = capture();
    const reporter = jsonReporter(io);
    const running = (filesDone: number) =>
      jobOf({
        status: 'running',
        progress: { filesDone, filesTotal: 10, bytesDone: filesDone, bytesTotal: 10 },
      });
    const step = JSON_PROGRESS_INTERVAL_MS / 2;
    reporter.update(jobOf(), 0);
    reporter.update(jobOf(), step); // queued again: nothing new
    reporter.update(running(1), 2 * step); // status changed
    reporter.update(running(1), 3 * step); // half an interval: not yet
    reporter.update(running(1), 4 * step); // an interval: again, though nothing moved
    reporter.update(running(4), 5 * step);
    reporter.update(running(6), 6 * step); // progress, an interval later
    reporter.update(jobOf({ status: 'succeeded' }), 6 * step + 1); // the end, at once
    expect(printed().map((job) => [job.status, job.progress.filesDone])).toEqual([
      ['queued', 0],
      ['running', 1],
      ['running', 1],
      ['running', 6],
      ['succeeded', 0],
    ]);
  });

  it('writes notices to stderr, leaving stdout to the answers', () => {
    const { io, printed, errors } = capture();
    jsonReporter(io).notice('the API answers again, after 2.0 s');
    expect(printed()).toEqual([]);
    expect(errors()).toBe('strongbox: the API answers again, after 2.0 s\n');
  });
});
