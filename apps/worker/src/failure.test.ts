import { DatabaseBusyError } from '@strongbox/db';
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
