import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkS3 } from '@strongbox/services/testing';
import { initRepository } from '@strongbox/storage';
import { createTestBucket, s3RepositoryEnv, TEST_SCRYPT, type TestBucket } from '@strongbox/storage/testing';
import { describe, expect, inject, it } from 'vitest';
import { type TestApp, useTestApps } from '../../testing/test-app.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
const PASSWORD = 'ready-password-4821';

describe('GET /ready with an object repository', () => {
  const { app, directory: scratchDir, afterTest } = useTestApps({ repositoryCheckMs: 0 });
  const directory = () => scratchDir('strongbox-ready-');

  async function ready(t: TestApp): Promise<{ statusCode: number; body: string }> {
    const response = await t.app.inject({ method: 'GET', url: '/ready' });
    return { statusCode: response.statusCode, body: response.body };
  }

  const fileEnv = (dir: string, password = PASSWORD) => ({
    REPOSITORY_URL: `file://${dir}`,
    REPOSITORY_PASSWORD: password,
  });

  it('answers 503 naming REPOSITORY_NOT_FOUND where no repository was created, and 200 once one is', async () => {
    const dir = await directory();
    const t = await app(fileEnv(dir));
    expect(await ready(t)).toEqual({
      statusCode: 503,
      body: JSON.stringify({
        status: 'unavailable',
        checks: {
          mysql: 'ok',
          redis: 'ok',
          repository: `REPOSITORY_NOT_FOUND: No repository at file://: create one with \`npm run repository -- init\``,
        },
      }),
    });
    expect(await readdir(dir)).toEqual([]);
    if (t.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(t.config.repository, { scrypt: TEST_SCRYPT });
    expect(await ready(t)).toEqual({
      statusCode: 200,
      body: JSON.stringify({ status: 'ok', checks: { mysql: 'ok', redis: 'ok', repository: 'ok' } }),
    });
  });

  it("keeps the repository's answer for repositoryCheckMs: a repository created meanwhile shows only after it", async () => {
    const dir = await directory();
    const t = await app(fileEnv(dir), { repositoryCheckMs: 3_600_000 });
    expect((await ready(t)).statusCode).toBe(503);
    if (t.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(t.config.repository, { scrypt: TEST_SCRYPT });
    const kept = await ready(t);
    expect(kept.statusCode).toBe(503);
    expect(JSON.parse(kept.body).checks.repository).toMatch(/^REPOSITORY_NOT_FOUND: /);
  });

  it('answers 503 naming WRONG_PASSWORD for a password that opens no key, and never shows either password', async () => {
    const dir = await directory();
    await initRepository(
      { kind: 'object', url: `file://${dir}`, password: PASSWORD, s3: { forcePathStyle: false } },
      { scrypt: TEST_SCRYPT },
    );
    const [key] = await readdir(path.join(dir, 'keys'));
    const t = await app(fileEnv(dir, 'not-the-password-9150'));
    const answer = await ready(t);
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body).checks.repository).toBe(
      `WRONG_PASSWORD: The repository password does not open key ${key} (repository file://)`,
    );
    expect(answer.body).not.toContain('not-the-password-9150');
    expect(answer.body).not.toContain(PASSWORD);
  });

  it('answers 503 naming UNKNOWN_LAYOUT for a repository of a format version it does not know', async () => {
    const dir = await directory();
    await initRepository(
      { kind: 'object', url: `file://${dir}`, password: PASSWORD, s3: { forcePathStyle: false } },
      { scrypt: TEST_SCRYPT },
    );
    const config = JSON.parse(await readFile(path.join(dir, 'config'), 'utf8'));
    await writeFile(path.join(dir, 'config'), `${JSON.stringify({ ...config, version: 99 })}\n`);
    const t = await app(fileEnv(dir));
    const answer = await ready(t);
    expect(answer.statusCode).toBe(503);
    expect(JSON.parse(answer.body).checks.repository).toBe(
      'UNKNOWN_LAYOUT: The repository has format version 99, which this Strongbox does not know (it knows 1) (repository file://)',
    );
  });

  describe.runIf(s3.run)('on S3', () => {
    const endpoint = s3.run ? s3.endpoint : '';
    async function bucket(): Promise<TestBucket> {
      const made = await createTestBucket(endpoint);
      afterTest(() => made.remove());
      return made;
    }

    it('answers 503 naming REPOSITORY_UNAVAILABLE for a bucket that does not exist', async () => {
      const name = `sbtest-missing-${randomBytes(4).toString('hex')}`;
      const t = await app(s3RepositoryEnv({ endpoint, bucket: name, prefix: 'main', password: PASSWORD }));
      const answer = await ready(t);
      expect(answer.statusCode).toBe(503);
      expect(JSON.parse(answer.body).checks.repository).toBe(
        `REPOSITORY_UNAVAILABLE: Repository unavailable: bucket ${name} does not exist (s3://${name}/main at ${endpoint}, NoSuchBucket)`,
      );
    });

    it('answers 503 naming REPOSITORY_NOT_FOUND for a prefix that holds no repository, beside one that does', async () => {
      const made = await bucket();
      const env = s3RepositoryEnv({ endpoint, bucket: made.name, prefix: 'main', password: PASSWORD });
      const good = await app(env);
      if (good.config.repository.kind !== 'object') throw new Error('not an object repository');
      await initRepository(good.config.repository, { scrypt: TEST_SCRYPT });
      expect((await ready(good)).statusCode).toBe(200);
      const typo = await app({ ...env, REPOSITORY_URL: `s3://${made.name}/mian` });
      const answer = await ready(typo);
      expect(answer.statusCode).toBe(503);
      expect(JSON.parse(answer.body).checks.repository).toBe(
        `REPOSITORY_NOT_FOUND: No repository at s3://${made.name}/mian at ${endpoint}: create one with \`npm run repository -- init\``,
      );
    });
  });
});
