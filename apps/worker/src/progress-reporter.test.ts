import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress-reporter.js';

const at = (filesDone: number) => ({
  filesDone,
  filesTotal: 10,
  bytesDone: filesDone * 100,
  bytesTotal: 1000,
});

/** A reporter whose writes take 5 ms each and are recorded, with whether two ever overlapped. */
function recording(intervalMs: number) {
  const written: number[] = [];
  let inFlight = 0;
  let overlapped = false;
  const reporter = createProgressReporter({
    intervalMs,
    write: async (progress) => {
      inFlight++;
      overlapped ||= inFlight > 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      written.push(progress.filesDone);
      inFlight--;
    },
    onError: () => undefined,
  });
  return { reporter, written, overlapped: () => overlapped };
}

describe('createProgressReporter', () => {
  it('writes the first figures at once and then at most once per interval, never two at a time', async () => {
    const { reporter, written, overlapped } = recording(60_000);
    for (let i = 1; i <= 100; i++) reporter.report(at(i));
    await reporter.settle();
    expect(written).toEqual([1]);
    expect(overlapped()).toBe(false);
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

  it('flush writes the latest figures at once, after the write under way, even within the interval', async () => {
    const { reporter, written, overlapped } = recording(60_000);
    reporter.report(at(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    reporter.report(at(2));
    reporter.report(at(3));
    expect(written).toEqual([1]);
    await reporter.flush();
    expect(written).toEqual([1, 3]);
    await reporter.flush();
    expect(written).toEqual([1, 3]);
    reporter.report(at(4));
    await reporter.flush();
    expect(written).toEqual([1, 3, 4]);
    expect(overlapped()).toBe(false);
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
