import type { Job } from '../api/types.js';

/**
 * A job as the API answers it, with the fields a test sets: a queued backup unless `fields` says
 * otherwise (a test that sets `kind` sets the `result` and `params` of that kind).
 */
export function jobOf(fields: Partial<Job> = {}): Job {
  const job = {
    id: '5c1e6f0a-2b7d-4c11-9f3e-8d2a7b6c1e90',
    kind: 'backup',
    folder: 'photos/2024',
    scheduleId: null,
    status: 'queued',
    attempts: 0,
    worker: null,
    createdAt: '2026-11-22T01:02:03.456Z',
    startedAt: null,
    finishedAt: null,
    progress: { filesDone: 0, filesTotal: null, bytesDone: 0, bytesTotal: null },
    result: null,
    error: null,
    params: null,
    prunedAt: null,
    ...fields,
  };
  return job as Job;
}
