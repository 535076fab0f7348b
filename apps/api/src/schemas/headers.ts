/**
 * Headers of the answers, as the OpenAPI document describes them (JSON schemas with a
 * description, which @fastify/swagger turns into header objects).
 */
export interface HeaderDoc {
  type: 'string' | 'integer';
  description: string;
  examples?: (string | number)[];
}

export const LOCATION_OF_JOB: HeaderDoc = {
  type: 'string',
  description: 'where to read the job: /backups/{id}',
  examples: ['/backups/5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69'],
};

export const LOCATION_OF_SCHEDULE: HeaderDoc = {
  type: 'string',
  description: 'where to read the schedule: /schedules/{id}',
  examples: ['/schedules/0b7a9f0e-6f1c-4d36-9a55-6a1b8e0c2f11'],
};

export const LOCATION_OF_WEBHOOK: HeaderDoc = {
  type: 'string',
  description: 'where to read the webhook: /webhooks/{id}',
  examples: ['/webhooks/6e0c2f11-0b7a-4d36-9a55-9f0e6f1c6a1b'],
};

export const LINK_TO_DASHBOARD: HeaderDoc = {
  type: 'string',
  description: "the job's page in the dashboard (Bull Board), rel=related",
  examples: [
    '</admin/queues/queue/jobs/5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69>; rel="related"; title="Bull Board"',
  ],
};

export const RETRY_AFTER: HeaderDoc = {
  type: 'integer',
  description: 'seconds until the rate limit lets this caller in again',
  examples: [12],
};

export const RETRY_AFTER_BUSY: HeaderDoc = {
  type: 'integer',
  description: 'seconds after which the same request may be sent again (DATABASE_BUSY)',
  examples: [1],
};

export const WWW_AUTHENTICATE: HeaderDoc = {
  type: 'string',
  description: 'two challenges, Bearer and Basic realm="Strongbox", charset="UTF-8"',
  examples: ['Bearer'],
};
