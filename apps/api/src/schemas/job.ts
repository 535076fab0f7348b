import { jobSchema } from '@strongbox/contract';
import { z } from 'zod';
import type { ErrorCode } from '../errors/status-of.js';
import { LOCATION_OF_JOB } from './headers.js';
import { json, QUERY_ERRORS, responses, WRITE_ERRORS } from './problem.js';

/**
 * The answers of a route that starts a job: 202 at once, 200 or the status of how it ended after
 * `?wait`, and the errors `codes` of its own besides those of every job-starting route.
 */
export function startedJobResponses(codes: ErrorCode[]) {
  const headers = { Location: LOCATION_OF_JOB };
  return responses(
    {
      200: json('the job, which succeeded while the client waited (?wait)', jobSchema, { headers }),
      202: json(
        'the job, queued (or still going at the end of ?wait; or the job already asked for, by folder or Idempotency-Key)',
        jobSchema,
        { headers },
      ),
    },
    [...codes, 'IDEMPOTENCY_KEY_REUSED', ...QUERY_ERRORS, ...WRITE_ERRORS],
    { jobOutcomes: true },
  );
}

/** The Idempotency-Key header of the routes that start jobs (other headers pass through). */
export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .max(255, 'Idempotency-Key may be at most 255 characters')
    .optional()
    .describe('the same key with the same request within 24 hours answers the job first created with it')
    .meta({ examples: ['nightly-photos-2026-11-22'] }),
});

/** `?wait=N`: seconds to wait for the job to end. */
export const waitQuerySchema = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(300, 'wait may be at most 300 seconds')
    .optional()
    .describe('seconds to wait for the job to end (at most 300)'),
});

export const jobIdParamsSchema = z.object({
  id: z
    .string()
    .describe('the job id, a UUID')
    .meta({ examples: ['5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69'] }),
});

export const limitSchema = z.coerce.number().int().min(1).max(1000).default(100);
