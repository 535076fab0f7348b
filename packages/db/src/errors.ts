/** A cursor this server did not hand out; the API answers it with 400. */
export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
  constructor() {
    super('The cursor is not one this server gave out: start again without it');
    this.name = 'InvalidCursorError';
  }
}

/**
 * An Idempotency-Key already used, within its window, for a different request (another route,
 * body or folder); the API answers it with 422.
 */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super(
      'This Idempotency-Key was already used for a different request (another route, body or folder) ' +
        'in the last 24 hours: send a new key with a new request',
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * A transaction the server refused for a lock conflict (a deadlock or a lock wait timeout) at every
 * attempt `inTransaction` made; the API answers it with 503 and `Retry-After`. Nothing of it
 * was written.
 */
export class DatabaseBusyError extends Error {
  readonly code = 'DATABASE_BUSY';
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `The database refused the change ${attempts} times for conflicting locks (deadlock or lock wait ` +
        'timeout) with concurrent changes; nothing was written: try again shortly',
      { cause },
    );
    this.name = 'DatabaseBusyError';
  }
}
