import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Job } from '@strongbox/contract';
import { catalogRebuiltAt, insertJob, listJobs, listLogs } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { startWorkerTestEnv, type WorkerTestEnv } from './testing/test-worker.js';

const PASSWORD = 'rebuild-password-2291';

const envs: WorkerTestEnv[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const env of envs.splice(0)) {
    await env.close();
    await repositoryOf(env.config, env.db).close();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function run(env: WorkerTestEnv, job: Parameters<typeof insertJob>[1]): Promise<Job> {
  const { job: inserted } = await insertJob(env.db, job);
  await enqueue(env.queue, inserted);
  return env.waitForEnd(inserted.id);
}

const succeededIds = async (env: WorkerTestEnv, folder: string) =>
  (await listJobs(env.db, { kind: 'backup', status: 'succeeded', folder, limit: 100 })).items.map(
    (job) => job.id,
  );

describe('catalog at worker start', () => {
  it('rebuilds the catalog of an existing repository into an empty database before it takes a job', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-start-'));
    const repositoryEnv = { REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: PASSWORD };
    const first = await startWorkerTestEnv({ env: repositoryEnv });
    envs.push(first);
    if (first.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(first.config.repository, { scrypt: TEST_SCRYPT });
    await first.startWorker();
    await first.makeFolder('docs', { 'a.txt': 'alpha' });
    const one = await run(first, { kind: 'backup', folder: 'docs' });
    await first.makeFolder('docs', { 'b.txt': 'beta' });
    const two = await run(first, { kind: 'backup', folder: 'docs' });
    await first.makeFolder('other', { 'c.txt': 'gamma' });
    const three = await run(first, { kind: 'backup', folder: 'other' });
    expect([one.status, two.status, three.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    await first.stopWorkers();

    // A new stack: an empty database, the same repository and password.
    const second = await startWorkerTestEnv({ env: repositoryEnv });
    envs.push(second);
    await second.startWorker();
    // Jobs are taken once the catalog is rebuilt: the restore finds the backup it names.
    const restored = await run(second, {
      kind: 'restore',
      folder: 'docs',
      params: { backupId: two.id, target: 'back' },
    });
    expect(restored).toMatchObject({ status: 'succeeded', result: { snapshot: two.id, files: 2 } });
    const back = path.join(second.config.sourceRoot, 'back');
    expect(await readFile(path.join(back, 'a.txt'), 'utf8')).toBe('alpha');
    expect(await readFile(path.join(back, 'b.txt'), 'utf8')).toBe('beta');
    expect(await succeededIds(second, 'docs')).toEqual([two.id, one.id]);
    expect(await succeededIds(second, 'other')).toEqual([three.id]);

    // A second start finds the catalog there and adds nothing.
    await second.stopWorkers();
    await second.startWorker();
    const again = await run(second, { kind: 'verify', folder: 'other', params: { backupId: three.id } });
    expect(again).toMatchObject({ status: 'succeeded', result: { snapshot: three.id } });
    const rebuiltLogs = (await listLogs(second.db, { limit: 100 })).items.filter(
      (log) => log.message === 'rebuilt from the repository',
    );
    expect(rebuiltLogs.map((log) => log.jobId).sort()).toEqual([one.id, two.id, three.id].sort());
  });

  it('takes jobs when the rebuild fails on a pack whose header does not authenticate, and has not marked the catalog rebuilt', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'strongbox-rebuild-start-'));
    const repositoryEnv = { REPOSITORY_URL: `file://${dir}/repo`, REPOSITORY_PASSWORD: PASSWORD };
    const env = await startWorkerTestEnv({ env: repositoryEnv });
    envs.push(env);
    if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
    const repositoryId = await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
    const bogus = path.join(dir, 'repo', 'data', 'ab');
    await mkdir(bogus, { recursive: true });
    await writeFile(path.join(bogus, 'ab'.repeat(32)), 'not a pack, long enough to have a trailer');
    await env.startWorker();
    await env.makeFolder('docs', { 'a.txt': 'alpha' });
    const backup = await run(env, { kind: 'backup', folder: 'docs' });
    expect(backup).toMatchObject({ status: 'succeeded', result: { snapshot: backup.id, files: 1 } });
    expect(await catalogRebuiltAt(env.db, repositoryId)).toBeNull();
  });
});
