import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ObjectRepository } from '@strongbox/engine/object';
import { repositoryContract } from '@strongbox/engine/testing';
import { checkS3 } from '@strongbox/services/testing';
import { describe, inject } from 'vitest';
import { createTestBucket } from './testing/bucket.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';

describe.runIf(s3.run)('object repository on S3', () => {
  // Each test its own bucket and source root, both removed after it.
  repositoryContract('object repository (s3://)', async () => {
    const bucket = await createTestBucket(endpoint);
    const sourceRoot = await fsp.mkdtemp(path.join(tmpdir(), 'strongbox-storage-src-'));
    const options = { password: 'correct horse', scrypt: { N: 1024, r: 8, p: 1 } };
    const store = bucket.store({ prefix: 'repo' });
    await ObjectRepository.init(store, options);
    return {
      repository: new ObjectRepository(store, options),
      sourceRoot,
      cleanup: async () => {
        await bucket.remove();
        await fsp.rm(sourceRoot, { recursive: true, force: true });
      },
    };
  });
});
