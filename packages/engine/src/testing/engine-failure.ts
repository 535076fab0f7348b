import { EngineError } from '../errors.js';

/** The EngineError that `run` throws; anything else it throws, or nothing, fails the test. */
export function engineErrorOf(run: () => unknown): EngineError {
  try {
    run();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an EngineError');
}

/** The EngineError that `promise` rejects with; anything else, or fulfilment, fails the test. */
export async function engineRejectionOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an EngineError');
}
