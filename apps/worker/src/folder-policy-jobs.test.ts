import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { FolderPolicy, Job } from '@strongbox/contract';
import { insertJob, putFolderPolicy } from '@strongbox/db';
import { enqueue } from '@strongbox/queue';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { objectLocations } from './testing/object-locations.js';
import { startWorkerTestEnv, type WorkerTestEnv } from './testing/test-worker.js';

const PASSWORD = 'policy-password-4471';

interface Location {
  env: Record<string, string>;
  object: boolean;
  remove(): Promise<void>;
}

const LOCATIONS: [string, boolean, () => Promise<Location>][] = [
  ['the local tree', true, async () => ({ env: {}, object: false, remove: async () => {} })],
  ...objectLocations(PASSWORD).map(([name, runs, make]): [string, boolean, () => Promise<Location>] => [
    `the object repository (${name})`,
    runs,
    async () => ({ ...(await make()), object: true }),
  ]),
];

/** Every path below `dir` (directories with a trailing "/"), sorted. */
async function pathsBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => {
      const rel = path.relative(dir, path.join(e.parentPath, e.name));
      return e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

const POLICY: FolderPolicy = {
  exclude: ['*.tmp', '!keep.tmp', 'cache/', '!cache/keep.me'],
  excludeIfPresent: ['.nobackup'],
  maxFileSize: 50,
  retention: { keepLast: 1 },
};

describe.each(LOCATIONS)("a folder's policy through the worker, on %s", (_name, runs, locate) => {
  let location: Location;
  let env: WorkerTestEnv;
  beforeAll(async () => {
    if (!runs) return;
    location = await locate();
    // The deployment's default: the two newest snapshots of a folder without retention rules.
    env = await startWorkerTestEnv({ env: { ...location.env, RETENTION_KEEP_LAST: '2' } });
    if (env.config.repository.kind === 'object') {
      await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
    }
  });
  afterEach(async () => {
    await env?.stopWorkers();
  });
  afterAll(async () => {
    await env?.close();
    if (env && location.object) await repositoryOf(env.config, env.db).close();
    await location?.remove();
  });

  async function run(
    kind: 'backup' | 'restore',
    folder: string,
    params?: Record<string, string>,
  ): Promise<Job> {
    return env.runJob({ kind, folder, ...(params ? { params } : {}) } as Parameters<typeof insertJob>[1]);
  }

  it.runIf(runs)(
    'leaves out what the policy excludes, counts it, records the policy in the result, and restores exactly the rest',
    async () => {
      await env.makeFolder('photos', {
        'a.jpg': 'a picture',
        'b.tmp': 'temporary',
        'keep.tmp': 'negated back in',
        'cache/x.bin': 'cached',
        'cache/keep.me': 'its directory is excluded: stays out',
        'private/.nobackup': '',
        'private/p.txt': 'private',
        'raw/big.raw': 'r'.repeat(100),
        'raw/small.raw': 'r'.repeat(50),
      });
      const stored = await putFolderPolicy(env.db, 'photos', POLICY);
      await env.startWorker();

      const backup = await run('backup', 'photos');
      expect(backup).toMatchObject({
        status: 'succeeded',
        result: {
          files: 3,
          bytes: 'a picture'.length + 'negated back in'.length + 50,
          skipped: 0,
          warnings: [],
          excluded: { byPattern: 2, byMarker: 1, bySize: 1, bySizeBytes: 100 },
        },
      });
      expect((backup.result as { policy: unknown }).policy).toEqual({
        ...POLICY,
        updatedAt: stored.updatedAt.toISOString(),
        excludeOmitted: 0,
      });

      const restore = await run('restore', 'photos', { backupId: backup.id, target: 'restored/photos' });
      expect(restore).toMatchObject({ status: 'succeeded', result: { files: 3 } });
      expect(await pathsBelow(path.join(env.config.sourceRoot, 'restored/photos'))).toEqual([
        'a.jpg',
        'keep.tmp',
        'raw/',
        'raw/small.raw',
      ]);
    },
  );

  it.runIf(runs)(
    "applies the folder's retention rules, and the deployment default to a folder without any",
    async () => {
      await env.makeFolder('kept-one', { 'a.txt': 'alpha' });
      await env.makeFolder('default', { 'a.txt': 'alpha' });
      await putFolderPolicy(env.db, 'kept-one', { ...POLICY, retention: { keepLast: 1 } });
      await env.startWorker();
      const own: Job[] = [];
      const plain: Job[] = [];
      for (let i = 0; i < 3; i++) {
        own.push(await run('backup', 'kept-one'));
        plain.push(await run('backup', 'default'));
      }
      expect((plain[0]!.result as { policy: unknown }).policy).toEqual({
        exclude: [],
        excludeIfPresent: [],
        maxFileSize: null,
        retention: null,
        updatedAt: null,
        excludeOmitted: 0,
      });
      const repository = repositoryOf(env.config, env.db);
      const snapshotOf = (job: Job) => (job.result as { snapshot: string }).snapshot;
      expect((await repository.listSnapshots('kept-one')).map((s) => s.snapshot)).toEqual([
        snapshotOf(own[2]!),
      ]);
      expect((await repository.listSnapshots('default')).map((s) => s.snapshot)).toEqual([
        snapshotOf(plain[1]!),
        snapshotOf(plain[2]!),
      ]);
      // The forgotten snapshots' jobs are marked pruned; the kept ones are not.
      const prunedAt = async (job: Job) => (await env.waitForEnd(job.id)).prunedAt !== null;
      expect(await Promise.all(own.map(prunedAt))).toEqual([true, true, false]);
      expect(await Promise.all(plain.map(prunedAt))).toEqual([true, false, false]);
    },
  );
});

describe('the policy a backup result records', () => {
  let env: WorkerTestEnv;
  beforeAll(async () => {
    env = await startWorkerTestEnv();
  });
  afterEach(async () => {
    await env.stopWorkers();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('keeps the first 16 KiB of exclude lines and counts the rest, while the backup applies them all', async () => {
    // 200 lines of 100 bytes: 162 of them (and their newlines) fit in 16384 bytes.
    const exclude = Array.from(
      { length: 200 },
      (_, i) => `never-${String(i).padStart(3, '0')}-${'x'.repeat(90)}`,
    );
    exclude[199] = `last.txt${' '.repeat(92)}`;
    await env.makeFolder('long', { 'first.txt': 'kept', 'last.txt': 'left out by the 200th line' });
    await putFolderPolicy(env.db, 'long', {
      exclude,
      excludeIfPresent: [],
      maxFileSize: null,
      retention: null,
    });
    await env.startWorker();
    const { job } = await insertJob(env.db, { kind: 'backup', folder: 'long' });
    await enqueue(env.queue, job);
    const done = await env.waitForEnd(job.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      result: { files: 1, excluded: { byPattern: 1, byMarker: 0, bySize: 0, bySizeBytes: 0 } },
    });
    const { policy } = done.result as { policy: { exclude: string[]; excludeOmitted: number } };
    expect(policy.exclude).toEqual(exclude.slice(0, 162));
    expect(policy.excludeOmitted).toBe(38);
  });
});
