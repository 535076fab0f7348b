import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '@strongbox/contract';
import { insertJob } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { type ObjectLocation, objectLocations } from './testing/object-locations.js';
import { startWorkerTestEnv, type WorkerTestEnv } from './testing/test-worker.js';

const PASSWORD = 'jobs-password-7351';

describe.each(objectLocations(PASSWORD))('jobs on the object repository (%s)', (_name, runs, locate) => {
  let location: ObjectLocation;
  let env: WorkerTestEnv;
  beforeAll(async () => {
    if (!runs) return;
    location = await locate();
    env = await startWorkerTestEnv({ env: { ...location.env, RETENTION_KEEP_LAST: '2' } });
    if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
  });
  afterAll(async () => {
    await env?.close();
    if (env) await repositoryOf(env.config, env.db).close();
    await location?.remove();
  });

  async function run(
    kind: 'backup' | 'verify' | 'restore',
    params: Record<string, string> | null,
    folder = 'docs',
  ): Promise<Job> {
    const { job } = await insertJob(env.db, {
      kind,
      folder,
      ...(params === null ? {} : { params }),
    } as Parameters<typeof insertJob>[1]);
    await enqueue(env.queue, job);
    return env.waitForEnd(job.id);
  }

  it.runIf(runs)(
    'backs up with progress and chunk counts, verifies, restores whole and one path, and forgets by retention',
    async () => {
      await env.makeFolder('docs', { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
      await env.startWorker();

      const first = await run('backup', null);
      expect(first).toMatchObject({
        status: 'succeeded',
        progress: { filesDone: 2, filesTotal: 2, bytesDone: 9, bytesTotal: 9 },
        result: {
          snapshot: first.id,
          files: 2,
          bytes: 9,
          copiedFiles: 2,
          linkedFiles: 0,
          newChunks: 2,
          reusedChunks: 0,
          newBytes: 9,
        },
      });
      const stored = (first.result as { storedBytes: number }).storedBytes;
      // Each chunk sealed: a flags byte, a 12-byte nonce and a 16-byte tag around its bytes.
      expect(stored).toBe(9 + 2 * 29);

      const verified = await run('verify', { backupId: first.id });
      expect(verified).toMatchObject({
        status: 'succeeded',
        result: { snapshot: first.id, files: 2, bytes: 9 },
      });

      const whole = await run('restore', { backupId: first.id, target: 'restored/whole' });
      expect(whole).toMatchObject({
        status: 'succeeded',
        result: { snapshot: first.id, path: null, target: 'restored/whole', files: 2, bytes: 9 },
      });
      const restoredAt = path.join(env.config.sourceRoot, 'restored/whole');
      expect((await readdir(restoredAt)).sort()).toEqual(['a.txt', 'sub']);
      expect(await readFile(path.join(restoredAt, 'a.txt'), 'utf8')).toBe('alpha');
      expect(await readFile(path.join(restoredAt, 'sub/b.txt'), 'utf8')).toBe('beta');

      const one = await run('restore', { backupId: first.id, target: 'restored/one', path: 'sub' });
      expect(one).toMatchObject({
        status: 'succeeded',
        result: { snapshot: first.id, path: 'sub', target: 'restored/one', files: 1, bytes: 4 },
      });
      expect(await readdir(path.join(env.config.sourceRoot, 'restored/one'))).toEqual(['b.txt']);
      expect(await readFile(path.join(env.config.sourceRoot, 'restored/one/b.txt'), 'utf8')).toBe('beta');

      // Unchanged: every chunk reused, nothing stored.
      const second = await run('backup', null);
      expect(second).toMatchObject({
        status: 'succeeded',
        result: { snapshot: second.id, newChunks: 0, reusedChunks: 2, newBytes: 0, storedBytes: 0 },
      });
      await env.makeFolder('docs', { 'c.txt': 'gamma' });
      const third = await run('backup', null);
      expect(third).toMatchObject({
        status: 'succeeded',
        result: { snapshot: third.id, files: 3, newChunks: 1, reusedChunks: 2, newBytes: 5 },
      });

      // RETENTION_KEEP_LAST=2: the first snapshot is forgotten, its job marked pruned.
      const repository = repositoryOf(env.config, env.db);
      expect((await repository.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([second.id, third.id]);
      expect(await repository.snapshotExists(first.id)).toBe(false);
      const pruned = await env.waitForEnd(first.id);
      expect(pruned.prunedAt).not.toBeNull();
      const late = await run('verify', { backupId: first.id });
      expect(late).toMatchObject({ status: 'failed', error: { code: 'NO_SUCH_SNAPSHOT' } });
      await env.stopWorkers();
    },
  );
});
