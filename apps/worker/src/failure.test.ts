import { DatabaseBusyError } from '@strongbox/db';
import { EngineError } from '@strongbox/engine';
import { repositoryUnavailable } from '@strongbox/engine/object';
import { describe, expect, it } from 'vitest';
import { afterFailure, describeFailure } from './failure.js';

describe('a write MySQL refused at every attempt, in a worker', () => {
  it("fails the attempt as INTERNAL, transient and not the client's doing, so the queue tries the job again while attempts remain", () => {
    const cause = Object.assign(new Error('Deadlock found when trying to get lock'), {
      code: 'ER_LOCK_DEADLOCK',
    });
    const failure = describeFailure(new DatabaseBusyError(5, cause));
    expect(failure).toEqual({
      code: 'INTERNAL',
      message: 'The job failed unexpectedly; see the worker log',
      transient: true,
      clientError: false,
    });
    expect(afterFailure(failure, 0, 5)).toBe('retry');
    expect(afterFailure(failure, 4, 5)).toBe('give-up');
  });
});

describe('a repository that failed an attempt, in a worker', () => {
  it('retries an attempt whose storage did not answer after its retries (REPOSITORY_UNAVAILABLE, transient), recording the code', () => {
    const failure = describeFailure(
      repositoryUnavailable(
        's3://backups/main at http://s3.test did not answer after 4 attempts (503 SlowDown)',
        {
          transient: true,
        },
      ),
    );
    expect(failure).toEqual({
      code: 'REPOSITORY_UNAVAILABLE',
      message:
        'Repository unavailable: s3://backups/main at http://s3.test did not answer after 4 attempts (503 SlowDown)',
      transient: true,
      clientError: false,
    });
    expect(afterFailure(failure, 0, 3)).toBe('retry');
  });

  it('gives up at once on a bucket that is missing or refuses us, and on a corrupt snapshot, recording their codes', () => {
    const missing = describeFailure(
      repositoryUnavailable('bucket backups does not exist (s3://backups/ at http://s3.test, NoSuchBucket)', {
        transient: false,
      }),
    );
    expect(missing).toMatchObject({ code: 'REPOSITORY_UNAVAILABLE', transient: false, clientError: false });
    expect(afterFailure(missing, 0, 3)).toBe('give-up');
    const corrupt = describeFailure(
      new EngineError('SNAPSHOT_CORRUPT', 'Snapshot 6c0e… is corrupt: sub/bad.txt', {
        details: { paths: ['sub/bad.txt'] },
      }),
    );
    expect(corrupt).toEqual({
      code: 'SNAPSHOT_CORRUPT',
      message: 'Snapshot 6c0e… is corrupt: sub/bad.txt',
      transient: false,
      clientError: false,
    });
    expect(afterFailure(corrupt, 0, 3)).toBe('give-up');
  });
});
