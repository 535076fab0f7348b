import { createHash } from 'node:crypto';
import type { CheckParams, Job } from '@strongbox/contract';
import { getJob, insertJob, REPOSITORY_LEASE_KEY, releaseFolderLease, takeFolderLease } from '@strongbox/db';
import type { ObjectStore } from '@strongbox/engine/object';
import { enqueue } from '@strongbox/queue';
import { checkS3 } from '@strongbox/services/testing';
import { initRepository, storeFromUrl } from '@strongbox/storage';
import { createTestBucket, s3RepositoryEnv, TEST_SCRYPT, type TestBucket } from '@strongbox/storage/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { repositoryOf } from './repository.js';
import { capturingLogger } from './testing/capturing-logger.js';
import { startWorkerTestEnv, type WorkerTestEnv, waitUntil } from './testing/test-worker.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const PASSWORD = 'check-password-2290';

describe.runIf(s3.run)('a check job on the object repository (S3)', () => {
  let bucket: TestBucket;
  let env: WorkerTestEnv;
  let store: ObjectStore & { close(): unknown };
  let lines: Record<string, unknown>[];
  /** Two snapshots of two folders, and the packs each stored (one data pack, one tree pack). */
  let a: { id: string; data: string; tree: string };
  let b: { id: string; data: string; tree: string };

  beforeEach(async () => {
    if (!s3.run) return;
    bucket = await createTestBucket(s3.endpoint);
    const captured = capturingLogger();
    lines = captured.lines;
    env = await startWorkerTestEnv({
      env: s3RepositoryEnv({
        endpoint: s3.endpoint,
        bucket: bucket.name,
        prefix: 'repo',
        password: PASSWORD,
      }),
      logger: captured.logger,
    });
    if (env.config.repository.kind !== 'object') throw new Error('not an object repository');
    await initRepository(env.config.repository, { scrypt: TEST_SCRYPT });
    store = await storeFromUrl(env.config.repository.url, env.config.repository.s3);
    await env.makeFolder('a', { 'x.txt': 'alpha, only in a' });
    await env.makeFolder('b', { 'y.txt': 'beta, only in b' });
    await env.startWorker();
    a = await backUp('a');
    b = await backUp('b');
  });
  afterEach(async () => {
    await env?.close();
    if (env) await repositoryOf(env.config, env.db).close();
    await store?.close();
    await bucket?.remove();
  });

  async function names(prefix: string): Promise<string[]> {
    const found: string[] = [];
    for await (const { name } of store.list(prefix)) found.push(name);
    return found;
  }

  /** Backs a folder up through the worker, and answers its snapshot and the packs it stored. */
  async function backUp(folder: string) {
    const [dataBefore, treeBefore] = [await names('data/'), await names('tree/')];
    const { job } = await insertJob(env.db, { kind: 'backup', folder });
    await enqueue(env.queue, job);
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded' });
    const [data] = (await names('data/')).filter((name) => !dataBefore.includes(name));
    const [tree] = (await names('tree/')).filter((name) => !treeBefore.includes(name));
    return { id: job.id, data: data!, tree: tree! };
  }

  async function check(readData: CheckParams['readData'] = 'none'): Promise<Job> {
    const { job } = await insertJob(env.db, { kind: 'check', folder: '', params: { readData } });
    await enqueue(env.queue, job);
    return env.waitForEnd(job.id);
  }

  async function sizeOf(name: string): Promise<number> {
    return (await store.get(name)).length;
  }

  it('checks a clean repository clean: no finding, the counts exact, and with readData every pack read', async () => {
    const packs = [a.data, a.tree, b.data, b.tree];
    const bytes = (await Promise.all(packs.map(sizeOf))).reduce((sum, n) => sum + n, 0);
    const plain = await check();
    expect(plain).toMatchObject({ kind: 'check', folder: '', status: 'succeeded', error: null });
    expect(plain.result).toEqual({
      ok: true,
      readData: 'none',
      snapshots: 2,
      packs: 4,
      referencedBlobs: 4,
      packsRead: 0,
      bytesRead: 0,
      orphans: { packs: 0, bytes: 0 },
      findings: [],
      findingsTotal: 0,
      durationMs: (plain.result as { durationMs: number }).durationMs,
    });
    const full = await check('all');
    expect(full.status).toBe('succeeded');
    expect(full.result).toMatchObject({
      ok: true,
      readData: 'all',
      packsRead: 4,
      bytesRead: bytes,
      findings: [],
    });
    // Half of four packs: two of them, whichever the draw picks.
    const half = await check(50);
    expect(half.result).toMatchObject({ ok: true, readData: 50, packsRead: 2, findings: [] });
  });

  it('fails REPOSITORY_DAMAGED on a deleted pack, naming it and exactly the snapshot that used it', async () => {
    await store.delete(a.data);
    const job = await check();
    expect(job).toMatchObject({
      status: 'failed',
      error: {
        code: 'REPOSITORY_DAMAGED',
        message: `The check found damage (1 PACK_MISSING); snapshots affected: ${a.id}. The job's result lists every finding`,
      },
    });
    expect(job.result).toMatchObject({ ok: false, findingsTotal: 1 });
    expect((job.result as { findings: unknown[] }).findings).toEqual([
      {
        code: 'PACK_MISSING',
        damage: true,
        message: `pack ${a.data} is in the catalog (1 blobs placed in it) but not in the repository`,
        pack: a.data,
        blob: null,
        snapshots: [a.id],
      },
    ]);
  });

  it('finds a changed byte in a pack only when it reads data, naming the pack and the snapshot', async () => {
    const bytes = await store.get(b.data);
    bytes[0] = bytes[0]! ^ 0xff;
    await store.put(b.data, bytes);
    const headersOnly = await check();
    expect(headersOnly).toMatchObject({ status: 'succeeded', result: { ok: true, findings: [] } });

    const job = await check('all');
    expect(job).toMatchObject({ status: 'failed', error: { code: 'REPOSITORY_DAMAGED' } });
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect((job.result as { findings: unknown[] }).findings).toEqual([
      {
        code: 'PACK_DAMAGED',
        damage: true,
        message: `Repository damaged: pack ${b.data} holds other bytes than its name says (SHA-256 ${sha})`,
        pack: b.data,
        blob: null,
        snapshots: [b.id],
      },
    ]);
  });

  it('finds a catalog row that places a blob in a pack the repository does not hold', async () => {
    const nowhere = `data/00/${'0'.repeat(64)}`;
    const [rows] = await env.db.query('SELECT id FROM repository_blob WHERE pack = ?', [a.data]);
    const [row] = rows as { id: Buffer }[];
    await env.db.query('UPDATE repository_blob SET pack = ? WHERE id = ?', [nowhere, row!.id]);
    const job = await check();
    expect(job).toMatchObject({ status: 'failed', error: { code: 'REPOSITORY_DAMAGED' } });
    expect((job.result as { findings: unknown[] }).findings).toEqual([
      {
        code: 'PACK_MISSING',
        damage: true,
        message: `pack ${nowhere} is in the catalog (1 blobs placed in it) but not in the repository`,
        pack: nowhere,
        blob: null,
        snapshots: [a.id],
      },
    ]);
  });

  it('names a chunk the catalog lost (BLOB_MISSING, BLOB_UNRECORDED) and a damaged snapshot object', async () => {
    const [rows] = await env.db.query('SELECT id FROM repository_blob WHERE pack = ?', [a.data]);
    const [row] = rows as { id: Buffer }[];
    const chunk = row!.id.toString('hex');
    await env.db.query('DELETE FROM repository_blob WHERE id = ?', [row!.id]);
    const sealed = await store.get(`snapshots/${b.id}`);
    sealed[sealed.length - 1] = sealed[sealed.length - 1]! ^ 0x01;
    await store.put(`snapshots/${b.id}`, sealed);

    const job = await check();
    expect(job).toMatchObject({
      status: 'failed',
      error: {
        code: 'REPOSITORY_DAMAGED',
        message: `The check found damage (1 BLOB_MISSING, 1 BLOB_UNRECORDED, 1 SNAPSHOT_DAMAGED); snapshots affected: ${[a.id, b.id].sort().join(', ')}. The job's result lists every finding`,
      },
    });
    const [dataBytes, treeBytes] = [await sizeOf(b.data), await sizeOf(b.tree)];
    expect((job.result as { findings: unknown[] }).findings).toEqual([
      {
        code: 'BLOB_MISSING',
        damage: true,
        message: `no pack in the catalog holds data blob ${chunk}`,
        pack: null,
        blob: chunk,
        snapshots: [a.id],
      },
      {
        code: 'BLOB_UNRECORDED',
        damage: true,
        message: `pack ${a.data} holds data blob ${chunk}, which the catalog does not record`,
        pack: a.data,
        blob: chunk,
        snapshots: [a.id],
      },
      // The damaged snapshot's packs are referenced by no snapshot that opens.
      {
        code: 'PACK_UNREFERENCED',
        damage: false,
        message: `pack ${b.data} (${dataBytes} bytes) holds no blob a snapshot references`,
        pack: b.data,
        blob: null,
        snapshots: [],
      },
      {
        code: 'PACK_UNREFERENCED',
        damage: false,
        message: `pack ${b.tree} (${treeBytes} bytes) holds no blob a snapshot references`,
        pack: b.tree,
        blob: null,
        snapshots: [],
      },
      {
        code: 'SNAPSHOT_DAMAGED',
        damage: true,
        message: expect.stringMatching(
          new RegExp(`^snapshot ${b.id}: Repository damaged: snapshot ${b.id} `),
        ),
        pack: null,
        blob: null,
        snapshots: [b.id],
      },
    ]);
  });

  it('counts the packs of a snapshot gone as orphans, with their bytes, and succeeds', async () => {
    await env.makeFolder('c', { 'z.txt': 'gamma, only in c' });
    const c = await backUp('c');
    await store.delete(`snapshots/${c.id}`);
    const [dataBytes, treeBytes] = [await sizeOf(c.data), await sizeOf(c.tree)];
    const job = await check();
    expect(job.status).toBe('succeeded');
    expect(job.result).toMatchObject({
      ok: true,
      snapshots: 2,
      packs: 6,
      orphans: { packs: 2, bytes: dataBytes + treeBytes },
      findingsTotal: 2,
    });
    expect((job.result as { findings: unknown[] }).findings).toEqual([
      {
        code: 'PACK_UNREFERENCED',
        damage: false,
        message: `pack ${c.data} (${dataBytes} bytes) holds no blob a snapshot references`,
        pack: c.data,
        blob: null,
        snapshots: [],
      },
      {
        code: 'PACK_UNREFERENCED',
        damage: false,
        message: `pack ${c.tree} (${treeBytes} bytes) holds no blob a snapshot references`,
        pack: c.tree,
        blob: null,
        snapshots: [],
      },
    ]);
  });

  it('waits while the repository lease is held (a prune), then runs', async () => {
    const lease = await takeFolderLease(env.db, REPOSITORY_LEASE_KEY, 'a prune elsewhere', {
      durationMs: 60_000,
    });
    if (!lease) throw new Error('the lease was taken');
    const { job } = await insertJob(env.db, { kind: 'check', folder: '', params: { readData: 'none' } });
    await enqueue(env.queue, job);
    await waitUntil(
      async () =>
        lines.some(
          (l) =>
            l.jobId === job.id &&
            l.msg === 'another maintenance job of the repository is running; waiting for it',
        ),
      () => 'the check never waited for the lease',
    );
    expect((await getJob(env.db, job.id))?.status).toBe('queued');
    await releaseFolderLease(env.db, lease);
    expect(await env.waitForEnd(job.id)).toMatchObject({ status: 'succeeded', result: { ok: true } });
  });
});
