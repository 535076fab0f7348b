import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError } from '@strongbox/engine';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { type FaultyProxy, type ProxiedRequest, startFaultyProxy } from './testing/faulty-proxy.js';
import { createTarget, objectNames, type TestTarget, writeFiles } from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';

/** Six files of distinct bytes: with a pack target of 1 byte, six data packs, stored in name order. */
const FILES = Object.fromEntries(
  Array.from({ length: 6 }, (_, i) => [`docs/f${i}.txt`, `file ${i} `.repeat(200 + i)]),
);
const isDataPut = (r: Pick<ProxiedRequest, 'operation' | 'key'>) =>
  r.operation === 'PutObject' && r.key.startsWith('repo/data/');

describe.runIf(s3.run)('a backup to S3 through faults', () => {
  let target: TestTarget;
  let proxy: FaultyProxy;
  beforeEach(async () => {
    target = await createTarget('s3', endpoint);
    proxy = await startFaultyProxy(endpoint);
    await writeFiles(target.sourceRoot, FILES);
  });
  afterEach(async () => {
    await proxy.close();
    await target.remove();
  });

  /** A repository through the proxy, opened (config and key written) before any fault is injected. */
  const throughProxy = async () => {
    const repository = await target.repository({ endpoint: proxy.url, packTarget: 1 });
    await repository.open();
    return repository;
  };
  const forwardedDataPuts = (from = 0) =>
    proxy.log
      .slice(from)
      .filter((r) => isDataPut(r) && r.outcome === 'forwarded')
      .map((r) => r.key.slice('repo/'.length));

  it('absorbs a burst of SlowDown, 500 and reset connections mid-backup and commits one restorable snapshot', async () => {
    const repository = await throughProxy();
    proxy.inject({ fault: 'slow-down', operation: 'PutObject', when: isDataPut, skip: 1, times: 2 });
    proxy.inject({
      fault: 'reset',
      operation: 'PutObject',
      when: (r) => r.key.startsWith('repo/tree/'),
      times: 1,
    });
    proxy.inject({ fault: 'internal-error', operation: 'PutObject', when: (r) => r.conditional, times: 1 });
    const jobId = randomUUID();

    const result = await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId });

    expect(result).toMatchObject({ snapshot: jobId, files: 6, copiedFiles: 6, linkedFiles: 0 });
    expect(proxy.log.filter((r) => r.outcome !== 'forwarded').map((r) => r.outcome)).toEqual([
      'slow-down',
      'slow-down',
      'reset',
      'internal-error',
    ]);
    const store = await target.store();
    expect(await objectNames(store, 'snapshots/')).toEqual([`snapshots/${jobId}`]);
    expect(await objectNames(store, 'data/')).toHaveLength(6);
    const reader = await target.repository();
    await reader.restore(jobId, { sourceRoot: target.sourceRoot, target: 'back' });
    for (const [rel, content] of Object.entries(FILES)) {
      const restored = path.join(target.sourceRoot, 'back', rel.slice('docs/'.length));
      expect(await fsp.readFile(restored, 'utf8')).toBe(content);
    }
  });

  it('fails an outage that outlasts the retries with a transient REPOSITORY_UNAVAILABLE and no snapshot; the retry reuses the packs stored', async () => {
    const repository = await throughProxy();
    // The first two packs are stored; from the third on, every upload answers 500 until healed.
    proxy.inject({ fault: 'internal-error', operation: 'PutObject', skip: 2 });
    const jobId = randomUUID();

    const failure = await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(EngineError);
    expect(failure).toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      transient: true,
      message: `Repository unavailable: s3://${target.url.slice(5).split('/')[0]}/repo at ${proxy.url} did not answer after 4 attempts (500 InternalError)`,
    });
    // The third and fourth packs upload at once while the backup reads on: the SDK sent each 4
    // times (the first attempt and 3 retries), then gave up.
    expect(proxy.log.filter((r) => r.outcome === 'internal-error')).toHaveLength(8);
    const stored = forwardedDataPuts();
    expect(stored).toHaveLength(2);
    const store = await target.store();
    expect(await objectNames(store, 'snapshots/')).toEqual([]);
    expect(await objectNames(store, 'data/')).toEqual([...stored].sort());
    expect(await (await target.repository()).listSnapshots('docs')).toEqual([]);

    // The job's next attempt, by another worker once the storage answers again.
    proxy.heal();
    const from = proxy.log.length;
    const retry = await (await target.repository({ endpoint: proxy.url, packTarget: 1 })).backup('docs', {
      sourceRoot: target.sourceRoot,
      jobId,
    });

    expect(retry).toMatchObject({ snapshot: jobId, files: 6, copiedFiles: 4, linkedFiles: 2 });
    expect(forwardedDataPuts(from)).toHaveLength(4);
    expect(forwardedDataPuts(from)).not.toContain(stored[0]);
    expect(forwardedDataPuts(from)).not.toContain(stored[1]);
    const after = await target.repository();
    expect(await after.unreferencedPacks()).toEqual([]);
    expect((await after.listSnapshots('docs')).map((s) => s.snapshot)).toEqual([jobId]);
    expect(await after.verify(jobId)).toMatchObject({ files: 6 });
  });

  it('fails a backup whose commit meets the outage with no snapshot, and its retry uploads the snapshot object alone', async () => {
    const repository = await throughProxy();
    proxy.inject({ fault: 'slow-down', operation: 'PutObject', when: (r) => r.conditional });
    const jobId = randomUUID();

    const failure = await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toMatchObject({ code: 'REPOSITORY_UNAVAILABLE', transient: true });
    expect((failure as Error).message).toMatch(/did not answer after 4 attempts \(503 SlowDown\)$/);
    const store = await target.store();
    expect(await objectNames(store, 'snapshots/')).toEqual([]);
    const packs = await objectNames(store, '');

    proxy.heal();
    const from = proxy.log.length;
    const retry = await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId });

    expect(retry).toMatchObject({ snapshot: jobId, files: 6, copiedFiles: 0, linkedFiles: 6 });
    expect(proxy.log.slice(from).filter((r) => r.operation === 'PutObject')).toEqual([
      { operation: 'PutObject', key: `repo/snapshots/${jobId}`, conditional: true, outcome: 'forwarded' },
    ]);
    expect(await objectNames(store, '')).toEqual([...packs, `snapshots/${jobId}`].sort());
  });

  it('answers a backup whose commit was stored but whose answer was lost with its own snapshot, written once', async () => {
    const repository = await throughProxy();
    const jobId = randomUUID();
    const commit = (r: Pick<ProxiedRequest, 'key'>) => r.key === `repo/snapshots/${jobId}`;
    proxy.inject({ fault: 'lose-answer', operation: 'PutObject', when: commit, times: 1 });

    const result = await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId });

    expect(result).toMatchObject({ snapshot: jobId, files: 6, copiedFiles: 6 });
    // Sent, stored, answer lost; sent again and refused 412: the snapshot is there, and is this job's.
    expect(proxy.log.filter((r) => r.operation === 'PutObject' && commit(r)).map((r) => r.outcome)).toEqual([
      'lose-answer',
      'forwarded',
    ]);
    expect(await objectNames(await target.store(), 'snapshots/')).toEqual([`snapshots/${jobId}`]);
    expect(await (await target.repository()).verify(jobId)).toMatchObject({ files: 6 });
  });
});
