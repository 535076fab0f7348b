import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ObjectRepository } from '@strongbox/engine/object';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type FaultyProxy, startFaultyProxy } from './testing/faulty-proxy.js';
import { createTarget, objectNames, type TestTarget, writeFiles } from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';
const kinds = s3.run ? (['file', 's3'] as const) : (['file'] as const);

const RACERS = 8;

/** A barrier: `arrive()` resolves once `count` callers have arrived, for all of them at once. */
function barrier(count: number): { arrive: () => Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    arrive: () => {
      arrived++;
      if (arrived === count) open();
      return opened;
    },
  };
}

describe.each(kinds)('writers racing on one repository on %s', (kind) => {
  let target: TestTarget;
  let proxy: FaultyProxy | undefined;
  beforeEach(async () => {
    target = await createTarget(kind, endpoint);
    // S3 decides racing conditional writes atomically; moto_server does not under load, so its
    // writes of one key go to it one at a time (see FaultyProxyOptions). The writers still race.
    if (kind === 's3') proxy = await startFaultyProxy(endpoint, { serializeConditionalWrites: true });
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await target.remove();
  });

  /** `count` repository instances (workers) on the one repository, each opened. */
  const workers = async (count: number): Promise<ObjectRepository[]> => {
    const first = await target.repository({ endpoint: proxy?.url });
    await first.open();
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, async () => {
        const repository = await target.repository({ endpoint: proxy?.url });
        await repository.open();
        return repository;
      }),
    );
    return [first, ...rest];
  };

  it(`commits ${RACERS} attempts of one job racing on the conditional write once, and every attempt answers the same result`, async () => {
    await writeFiles(target.sourceRoot, { 'docs/a.txt': 'alpha', 'docs/sub/b.txt': 'beta beta' });
    const jobId = randomUUID();
    const gate = barrier(RACERS);
    const racers = await workers(RACERS);

    // Every attempt has stored its packs before any writes the snapshot: the writes race.
    const results = await Promise.all(
      racers.map((repository) =>
        repository.backup('docs', { sourceRoot: target.sourceRoot, jobId, beforeCommit: gate.arrive }),
      ),
    );

    expect(results[0]).toMatchObject({
      snapshot: jobId,
      files: 2,
      bytes: 14,
      copiedFiles: 2,
      linkedFiles: 0,
    });
    for (const result of results) expect(result).toEqual(results[0]);
    if (proxy) {
      // The writes did race: every attempt's reached the server, which stored one and refused the rest.
      const commits = proxy.log.filter(
        (r) => r.operation === 'PutObject' && r.key === `repo/snapshots/${jobId}`,
      );
      expect(commits.length).toBeGreaterThanOrEqual(RACERS);
    }
    const store = await target.store();
    expect(await objectNames(store, 'snapshots/')).toEqual([`snapshots/${jobId}`]);
    const reader = await target.repository();
    expect((await reader.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([jobId]);
    expect(await reader.listFolders()).toEqual(['docs']);
    expect(await reader.verify(jobId)).toMatchObject({ files: 2, bytes: 14 });
  });

  it('backs up two folders holding the same chunks at once: each stores its own copy, both succeed and restore', async () => {
    const shared = Array.from({ length: 3 }, (_, i) => `shared chunk ${i} `.repeat(2000 + i));
    await writeFiles(target.sourceRoot, {
      'one/x0': shared[0]!,
      'one/x1': shared[1]!,
      'one/only-one': 'only in one',
      'two/y0': shared[0]!,
      'two/y1': shared[1]!,
      'two/y2': shared[2]!,
    });
    const gate = barrier(2);
    const [first, second] = await workers(2);

    const [one, two] = await Promise.all([
      first!.backup('one', { sourceRoot: target.sourceRoot, jobId: randomUUID(), beforeCommit: gate.arrive }),
      second!.backup('two', {
        sourceRoot: target.sourceRoot,
        jobId: randomUUID(),
        beforeCommit: gate.arrive,
      }),
    ]);

    // Neither knew of the other's packs: both stored the shared chunks, in a data pack each.
    expect(one).toMatchObject({ files: 3, copiedFiles: 3, linkedFiles: 0 });
    expect(two).toMatchObject({ files: 3, copiedFiles: 3, linkedFiles: 0 });
    const store = await target.store();
    expect(await objectNames(store, 'data/')).toHaveLength(2);
    expect(await objectNames(store, 'snapshots/')).toEqual(
      [`snapshots/${one.snapshot}`, `snapshots/${two.snapshot}`].sort(),
    );
    const reader = await target.repository();
    expect(await reader.listFolders()).toEqual(expect.arrayContaining(['one', 'two']));
    await reader.restore(one.snapshot, { sourceRoot: target.sourceRoot, target: 'back-one' });
    await reader.restore(two.snapshot, { sourceRoot: target.sourceRoot, target: 'back-two' });
    const read = (rel: string) => fsp.readFile(path.join(target.sourceRoot, rel), 'utf8');
    expect(await read('back-one/x0')).toBe(shared[0]);
    expect(await read('back-one/x1')).toBe(shared[1]);
    expect(await read('back-one/only-one')).toBe('only in one');
    expect(await read('back-two/y0')).toBe(shared[0]);
    expect(await read('back-two/y1')).toBe(shared[1]);
    expect(await read('back-two/y2')).toBe(shared[2]);
    // A third backup, by a worker that sees both, stores none of the shared chunks again.
    await writeFiles(target.sourceRoot, { 'three/z': shared[2]! });
    expect(
      await reader.backup('three', { sourceRoot: target.sourceRoot, jobId: randomUUID() }),
    ).toMatchObject({
      files: 1,
      copiedFiles: 0,
      linkedFiles: 1,
    });
    expect(await objectNames(store, 'data/')).toHaveLength(2);
  });
});
