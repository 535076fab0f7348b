/**
 * Answers the API gives word for word, as a client reads them: written out here once for the tests
 * of several routes, never taken from the code that makes them.
 */

/** `503 DATABASE_BUSY`: a write MySQL refused at every attempt. */
export const DATABASE_BUSY_ANSWER = {
  statusCode: 503,
  error: 'Service Unavailable',
  code: 'DATABASE_BUSY',
  message:
    'The database refused the change for conflicting locks with concurrent changes, at every attempt; nothing was written: send the same request again in 1 s (with the same Idempotency-Key, if it had one)',
};

/** `422 IDEMPOTENCY_KEY_REUSED`: a key sent again with another request within its 24 hours. */
export const IDEMPOTENCY_KEY_REUSED_ANSWER = {
  statusCode: 422,
  error: 'Unprocessable Entity',
  code: 'IDEMPOTENCY_KEY_REUSED',
  message:
    'This Idempotency-Key was already used for a different request (another route, body or folder) ' +
    'in the last 24 hours: send a new key with a new request',
};
