import { describe, expect, it } from 'vitest';
import { JobWarnedError } from '../errors/job-warned-error.js';
import { jobOf } from '../testing/jobs.js';
import { warningsOf } from './warnings.js';

const ID = '5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90';
const succeeded = (extra: object) =>
  jobOf({
    status: 'succeeded',
    result: { snapshot: 's/1', files: 1, bytes: 1, linkedFiles: 0, durationMs: 1, ...extra },
  });

describe('warningsOf', () => {
  it('finds the skipped entries and the warnings of a backup that succeeded', () => {
    expect(warningsOf(succeeded({ skipped: 1, warnings: ['name is not valid UTF-8, skipped: x'] }))).toEqual({
      skipped: 1,
      warnings: ['name is not valid UTF-8, skipped: x'],
    });
    expect(warningsOf(succeeded({ skipped: 0, warnings: ['file changed while it was read: y'] }))).toEqual({
      skipped: 0,
      warnings: ['file changed while it was read: y'],
    });
  });

  it('finds none in a clean result, in one without the fields (a verify, an older API), or in a job that did not succeed', () => {
    expect(warningsOf(succeeded({ skipped: 0, warnings: [] }))).toBeNull();
    expect(warningsOf(succeeded({}))).toBeNull();
    expect(warningsOf(jobOf({ status: 'failed', error: { code: 'X', message: 'y' } }))).toBeNull();
    expect(warningsOf(jobOf({ status: 'running' }))).toBeNull();
  });
});

describe('JobWarnedError', () => {
  it('exits 6, counting the skipped entries and quoting the first three warnings', () => {
    const job = succeeded({ skipped: 4, warnings: ['w1', 'w2', 'w3', 'w4'] });
    const error = new JobWarnedError(job, { skipped: 4, warnings: ['w1', 'w2', 'w3', 'w4'] });
    expect(error.exitCode).toBe(6);
    expect(error.code).toBe('JOB_SUCCEEDED_WITH_WARNINGS');
    expect(error.message).toBe(
      `backup ${ID} photos/2024 succeeded with warnings: 4 entries skipped: w1; w2; w3; … (all of them: strongbox status ${ID} --json)`,
    );
    expect(new JobWarnedError(job, { skipped: 1, warnings: ['only'] }).message).toBe(
      `backup ${ID} photos/2024 succeeded with warnings: 1 entry skipped: only`,
    );
  });
});
