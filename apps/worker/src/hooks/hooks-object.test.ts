import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initRepository } from '@strongbox/storage';
import { TEST_SCRYPT } from '@strongbox/storage/testing';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { repositoryOf } from '../repository.js';
import { type ObjectLocation, objectLocations } from '../testing/object-locations.js';
import { startWorkerTestEnv, type WorkerTestEnv } from '../testing/test-worker.js';

const PASSWORD = 'hooks-password-4410';
const node = (script: string) => ['node', '-e', script];

/** Every byte value once, then a line of text: what the before hook writes into the folder. */
const DUMP = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('CREATE TABLE t;\n'),
]);

const HOOKS = {
  hooks: [
    {
      folder: 'dump/*',
      before: node(
        `require('fs').writeFileSync('dump.bin', Buffer.from('${DUMP.toString('base64')}', 'base64')); console.log('dumped')`,
      ),
      after: node("require('fs').unlinkSync('dump.bin')"),
    },
    { folder: 'fail/**', before: node("console.error('cannot reach the database'); process.exit(3)") },
    { folder: 'after-fails', after: node("console.log('cleanup failed'); process.exit(2)") },
  ],
};

describe.each(objectLocations(PASSWORD))(
  'command hooks on the object repository (%s)',
  (_name, runs, locate) => {
    let location: ObjectLocation;
    let env: WorkerTestEnv;
    let dir: string;
    beforeAll(async () => {
      if (!runs) return;
      dir = await mkdtemp(path.join(tmpdir(), 'strongbox-hooks-'));
      const file = path.join(dir, 'hooks.json');
      await writeFile(file, JSON.stringify(HOOKS));
      location = await locate();
      env = await startWorkerTestEnv({ env: { ...location.env, HOOKS_FILE: file } });
      if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
      await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
    });
    afterEach(async () => {
      await env?.stopWorkers();
    });
    afterAll(async () => {
      await env?.close();
      if (env) await repositoryOf(env.config, env.db).close();
      await location?.remove();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const run = (kind: 'backup' | 'restore', folder: string, params?: Record<string, string>) =>
      env.runJob({ kind, folder, ...(params ? { params } : {}) } as Parameters<WorkerTestEnv['runJob']>[0]);

    async function packCount(): Promise<number> {
      const [rows] = await env.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM repository_pack');
      return Number(rows[0]?.n);
    }

    it.runIf(runs)(
      'stores what the before hook wrote in the snapshot, and restores it byte for byte',
      async () => {
        await env.startWorker();
        await env.makeFolder('dump/main', { 'data.txt': 'data' });
        const job = await run('backup', 'dump/main');
        expect(job).toMatchObject({
          status: 'succeeded',
          error: null,
          result: { snapshot: job.id, files: 2, bytes: 4 + DUMP.length },
        });
        expect(job.kind === 'backup' && job.result?.warnings).toEqual(['before hook (node): dumped']);
        // The after hook removed the dump from the folder once the snapshot was taken.
        await expect(readFile(path.join(env.config.sourceRoot, 'dump/main/dump.bin'))).rejects.toThrow(
          /ENOENT/,
        );

        const restored = await run('restore', 'dump/main', { backupId: job.id, target: 'restored/dump' });
        expect(restored).toMatchObject({
          status: 'succeeded',
          result: { snapshot: job.id, target: 'restored/dump', files: 2, bytes: 4 + DUMP.length },
        });
        const back = await readFile(path.join(env.config.sourceRoot, 'restored/dump/dump.bin'));
        expect(back).toEqual(DUMP);
        expect(await readFile(path.join(env.config.sourceRoot, 'restored/dump/data.txt'), 'utf8')).toBe(
          'data',
        );
      },
    );

    it.runIf(runs)(
      'fails the job with HOOK_FAILED and writes no snapshot and no pack when the before hook fails',
      async () => {
        await env.startWorker();
        await env.makeFolder('fail/db', { 'a.txt': 'alpha' });
        const packs = await packCount();
        const job = await run('backup', 'fail/db');
        expect(job).toMatchObject({
          status: 'failed',
          attempts: 1,
          result: null,
          error: {
            code: 'HOOK_FAILED',
            message: 'The before hook (node) exited 3: cannot reach the database',
          },
        });
        const repository = repositoryOf(env.config, env.db);
        expect(await repository.listSnapshots('fail/db')).toEqual([]);
        expect(await repository.snapshotExists(job.id)).toBe(false);
        expect(await packCount()).toBe(packs);
      },
    );

    it.runIf(runs)('keeps the snapshot and adds a warning when the after hook fails', async () => {
      await env.startWorker();
      await env.makeFolder('after-fails', { 'a.txt': 'alpha' });
      const job = await run('backup', 'after-fails');
      expect(job).toMatchObject({
        status: 'succeeded',
        error: null,
        result: { snapshot: job.id, files: 1, bytes: 5 },
      });
      expect(job.kind === 'backup' && job.result?.warnings).toEqual([
        'after hook (node) exited 2: cleanup failed',
      ]);
      const repository = repositoryOf(env.config, env.db);
      expect((await repository.listSnapshots('after-fails')).map((s) => s.snapshot)).toEqual([job.id]);
    });
  },
);
