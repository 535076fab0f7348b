import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getJob, insertJob } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { capturingLogger } from './testing/capturing-logger.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from './testing/test-worker.js';

const PASSWORD = 'gate-password-6602';
const STILL = 'the repository still cannot be opened';

describe('a worker whose object repository cannot be opened', () => {
  let dir: string;
  let env: WorkerTestEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-gate-'));
    env = await startWorkerTestEnv({
      env: { REPOSITORY_URL: `file://${dir}`, REPOSITORY_PASSWORD: PASSWORD },
    });
  });
  afterAll(async () => {
    await env?.close();
    if (env) await repositoryOf(env.config, env.db).close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes no job and logs each reason once while it tries again, then takes jobs once the repository is created', async () => {
    await env.makeFolder('docs', { 'a.txt': 'alpha' });
    const { logger, lines } = capturingLogger('debug');
    await env.startWorker({ logger, repositoryRetryMs: 50 });
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'docs' });
    await enqueue(env.queue, job);

    // Three attempts after the first, each refused: the job waits in the queue, untouched.
    await waitUntil(
      async () => lines.filter((line) => line.msg === STILL).length >= 3,
      () => `the worker did not try again: ${JSON.stringify(lines)}`,
    );
    expect(await env.queue.getJobState(job.id)).toBe('waiting');
    expect(await getJob(env.db, job.id)).toMatchObject({ status: 'queued', attempts: 0, startedAt: null });
    const errors = () => lines.filter((line) => line.level === 50);
    const notFound = `The repository cannot be opened; this worker takes no job until it can: REPOSITORY_NOT_FOUND: No repository at file://: create one with \`npm run repository -- init\``;
    expect(errors().map((line) => line.msg)).toEqual([notFound]);
    expect(errors()[0]).toMatchObject({ code: 'REPOSITORY_NOT_FOUND', repository: `file://${dir}` });
    expect(await readdir(dir)).toEqual([]);

    // Another reason is logged once more: a config of a format version this worker does not know.
    // Written beside and renamed into place, so that no attempt reads it half-written.
    await writeFile(`${dir}-config`, '{"version":99}\n');
    await rename(`${dir}-config`, path.join(dir, 'config'));
    await waitUntil(
      async () => errors().length === 2,
      () => `the new reason was not logged: ${JSON.stringify(lines)}`,
    );
    const seen = lines.filter((line) => line.msg === STILL).length;
    await waitUntil(
      async () => lines.filter((line) => line.msg === STILL).length >= seen + 2,
      () => `the worker did not try again: ${JSON.stringify(lines)}`,
    );
    expect(errors().map((line) => line.msg)).toEqual([
      notFound,
      'The repository cannot be opened; this worker takes no job until it can: UNKNOWN_LAYOUT: The repository has format version 99, which this Strongbox does not know (it knows 1) (repository file://)',
    ]);
    expect(await getJob(env.db, job.id)).toMatchObject({ status: 'queued', attempts: 0 });
    await rm(path.join(dir, 'config'));

    if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
    const ended = await env.waitForEnd(job.id);
    expect(ended).toMatchObject({ status: 'succeeded', attempts: 1, result: { snapshot: job.id, files: 1 } });
    expect(lines.filter((line) => line.msg === 'the repository opened; taking jobs')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
    await env.stopWorkers();
  });
});
