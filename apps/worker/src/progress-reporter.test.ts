import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress-reporter.js';

const at = (filesDone: number) => ({
  filesDone,
  filesTotal: 10,
  bytesDone: filesDone * 100,
  bytesTotal: 1000,
});

describe('createProgressReporter', () => {
  it('writes the first figures at once and then at most once per interval, never two at a time', async () => {
    const written: number[] = [];
    let inFlight = 0;
    let overlapped = false;
    const reporter = createProgressReporter({
      intervalMs: 60_000,
      write: async (progress) => {
        inFlight++;
        overlapped ||= inFlight > 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        written.push(progress.filesDone);
        inFlight--;
      },
      onError: () => undefined,
    });
    for (let i = 1; i <= 100; i++) reporter.report(at(i));
    await reporter.settle();
    expect(written).toEqual([1]);
    expect(overlapped).toBe(false);
  });

  it('writes the latest figures when the interval has passed', async () => {
    const written: number[] = [];
    const reporter = createProgressReporter({
      intervalMs: 0,
      write: async (progress) => {
        written.push(progress.filesDone);
      },
      onError: () => undefined,
    });
    reporter.report(at(1));
    reporter.report(at(2));
    reporter.report(at(3));
    await new Promise((resolve) => setTimeout(resolve, 10));
    reporter.report(at(4));
    await reporter.settle();
    expect(written[0]).toBe(1);
    expect(written).toContain(3);
    expect(written).not.toContain(2);
    expect(written.at(-1)).toBe(4);
  });

  it('never fails the job when a write fails', async () => {
    const errors: unknown[] = [];
    const reporter = createProgressReporter({
      write: async () => {
        throw new Error('database away');
      },
      onError: (error) => errors.push(error),
    });
    reporter.report(at(1));
    await reporter.settle();
    expect(errors).toHaveLength(1);
  });
});
