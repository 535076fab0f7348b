import { describe, expect, it } from 'vitest';
import { jobDataSchema } from './queue.js';

describe('the job data', () => {
  const id = '5c1e0b57-2d41-4a0e-9a1e-3f1d2c4b5a69';

  it('carries the id and, for the dashboard, the folder', () => {
    expect(jobDataSchema.parse({ id, folder: 'photos/2024' })).toEqual({ id, folder: 'photos/2024' });
  });

  it('still takes the id alone, as an older Strongbox queued it', () => {
    expect(jobDataSchema.parse({ id })).toEqual({ id });
  });

  it('refuses anything else', () => {
    expect(jobDataSchema.safeParse({ id: 'x' }).success).toBe(false);
    expect(jobDataSchema.safeParse({ id, kind: 'backup' }).success).toBe(false);
  });
});
