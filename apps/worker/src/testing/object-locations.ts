import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkS3 } from '@strongbox/services/testing';
import { createTestBucket, s3RepositoryEnv } from '@strongbox/storage/testing';
import { inject } from 'vitest';

/** Where a test's object repository lives: the environment that names it, and its removal. */
export interface ObjectLocation {
  env: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * The object repository's two kinds of location, for `describe.each`: `[name, runs, make]`, a
 * fresh temporary directory (file://) and a fresh bucket on the suite's S3 endpoint (s3://, which
 * runs only where the endpoint answers; CI requires it).
 */
export function objectLocations(password: string): [string, boolean, () => Promise<ObjectLocation>][] {
  const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
  if (!s3.run) console.warn(s3.reason);
  return [
    [
      'file://',
      true,
      async () => {
        const dir = await mkdtemp(path.join(tmpdir(), 'strongbox-objects-'));
        return {
          env: { REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: password },
          remove: () => rm(dir, { recursive: true, force: true }),
        };
      },
    ],
    [
      's3://',
      s3.run,
      async () => {
        const bucket = await createTestBucket(s3.run ? s3.endpoint : '');
        return {
          env: s3RepositoryEnv({
            endpoint: s3.run ? s3.endpoint : '',
            bucket: bucket.name,
            prefix: 'strongbox',
            password,
          }),
          remove: () => bucket.remove(),
        };
      },
    ],
  ];
}
