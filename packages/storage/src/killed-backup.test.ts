import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createTarget,
  objectNames,
  TEST_PASSWORD,
  TEST_SCRYPT,
  type TestTarget,
  writeFiles,
} from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';
const kinds = s3.run ? (['file', 's3'] as const) : (['file'] as const);

const CHILD = new URL('./testing/backup-until-killed.mjs', import.meta.url);
const FILES = Object.fromEntries(
  Array.from({ length: 6 }, (_, i) => [`docs/f${i}.txt`, `killed ${i} `.repeat(300 + i)]),
);

describe.each(kinds)('a worker killed mid-upload into %s', (kind) => {
  let target: TestTarget;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    target = await createTarget(kind, endpoint);
    await writeFiles(target.sourceRoot, FILES);
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    child = undefined;
    await target.remove();
  });

  /** Runs the backup in a child and SIGKILLs it once `packs` data packs are stored; answers their names. */
  async function killAfterPacks(jobId: string, packs: number): Promise<string[]> {
    // Plain node, without the test runner's flags (it resolves the packages to their sources).
    const running = fork(CHILD, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = running;
    const stored: string[] = [];
    const exited = once(running, 'exit');
    await new Promise<void>((resolve, reject) => {
      running.on('message', (message: { pack?: string; finished?: string }) => {
        if (message.pack) stored.push(message.pack);
        if (stored.length === packs) resolve();
        if (message.finished) reject(new Error('the backup finished before it was killed'));
      });
      running.once('exit', (code) => reject(new Error(`the child exited (${code}) before it was killed`)));
      running.send({
        url: target.url,
        s3: target.s3,
        password: TEST_PASSWORD,
        scrypt: TEST_SCRYPT,
        packTarget: 1,
        sourceRoot: target.sourceRoot,
        folder: 'docs',
        jobId,
        packs,
      });
    });
    running.kill('SIGKILL');
    expect(await exited).toEqual([null, 'SIGKILL']);
    return stored.sort();
  }

  it('leaves no snapshot, counts exactly its packs as unreferenced, and the next backup reuses them', async () => {
    const killedJob = randomUUID();
    const orphans = await killAfterPacks(killedJob, 2);
    expect(orphans).toHaveLength(2);

    const store = await target.store();
    expect(await objectNames(store, 'snapshots/')).toEqual([]);
    expect(await objectNames(store, 'data/')).toEqual(orphans);
    const reopened = await target.repository({ packTarget: 1 });
    expect(await reopened.listSnapshots('docs')).toEqual([]);
    expect(await reopened.snapshotExists(killedJob)).toBe(false);
    const sizes = await Promise.all(orphans.map(async (name) => ({ name, size: (await store.head(name))! })));
    expect(await reopened.unreferencedPacks()).toEqual(sizes);

    const jobId = randomUUID();
    const result = await reopened.backup('docs', { sourceRoot: target.sourceRoot, jobId });
    expect(result).toMatchObject({ snapshot: jobId, files: 6, copiedFiles: 4, linkedFiles: 2 });
    expect(await objectNames(store, 'snapshots/')).toEqual([`snapshots/${jobId}`]);
    // The killed attempt's packs now hold blobs the new snapshot uses: no pack is left unreferenced.
    expect(await (await target.repository()).unreferencedPacks()).toEqual([]);
    await reopened.restore(jobId, { sourceRoot: target.sourceRoot, target: 'back' });
    for (const [rel, content] of Object.entries(FILES)) {
      const restored = path.join(target.sourceRoot, 'back', rel.slice('docs/'.length));
      expect(await fsp.readFile(restored, 'utf8')).toBe(content);
    }
  });

  it('names the packs of a killed attempt of another folder as unreferenced beside committed snapshots', async () => {
    await writeFiles(target.sourceRoot, { 'kept/k.txt': 'kept, committed' });
    const repository = await target.repository({ packTarget: 1 });
    await repository.backup('kept', { sourceRoot: target.sourceRoot, jobId: randomUUID() });
    const before = await objectNames(await target.store(), '');

    const orphans = await killAfterPacks(randomUUID(), 1);

    const after = await objectNames(await target.store(), '');
    expect(after.filter((name) => !before.includes(name))).toEqual(orphans);
    const unreferenced = await (await target.repository()).unreferencedPacks();
    expect(unreferenced.map((pack) => pack.name)).toEqual(orphans);
    // Counting is read-only: every object is still there.
    expect(await objectNames(await target.store(), '')).toEqual(after);
  });
});
