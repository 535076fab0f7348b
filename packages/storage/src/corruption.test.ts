import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ObjectRepository, type ObjectStore } from '@strongbox/engine/object';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createTarget,
  engineRejection,
  objectNames,
  recordingPuts,
  TEST_PASSWORD,
  TEST_SCRYPT,
  type TestTarget,
  writeFiles,
} from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';
const kinds = s3.run ? (['file', 's3'] as const) : (['file'] as const);

describe.each(kinds)('a damaged object in a repository on %s', (kind) => {
  let target: TestTarget;
  let store: ObjectStore;
  let repository: ObjectRepository;
  let jobId: string;
  /** What the backup stored, by what it holds (one blob a pack). */
  let packs: { good: string; bad: string; subTree: string; rootTree: string };
  beforeEach(async () => {
    target = await createTarget(kind, endpoint);
    store = await target.store();
    await writeFiles(target.sourceRoot, {
      'docs/good.txt': 'good content, authentic',
      'docs/sub/bad.txt': 'content soon damaged',
    });
    const puts: string[] = [];
    repository = new ObjectRepository(recordingPuts(store, puts), {
      password: TEST_PASSWORD,
      scrypt: TEST_SCRYPT,
      packTarget: 1,
    });
    jobId = randomUUID();
    await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId });
    // The walk's order: good.txt, then sub/ (its file, then its tree), then the root's tree.
    const [good, bad, subTree, rootTree, ...rest] = puts.filter((name) => !name.startsWith('keys/'));
    expect(rest).toEqual([]);
    expect([good, bad, subTree, rootTree].map((name) => name!.slice(0, 5))).toEqual([
      'data/',
      'data/',
      'tree/',
      'tree/',
    ]);
    packs = { good: good!, bad: bad!, subTree: subTree!, rootTree: rootTree! };
  });
  afterEach(async () => {
    await target.remove();
  });

  const restoreTarget = () => path.join(target.sourceRoot, 'back');
  const flipByte = async (name: string, at: number) => {
    const bytes = await store.get(name);
    bytes[at]! ^= 0x01;
    await store.put(name, bytes);
  };
  /** Verify and restore both refuse with `expected`, and the restore target is never created. */
  const bothRefuse = async (reader: ObjectRepository, expected: { code: string; message: string }) => {
    expect(await engineRejection(reader.verify(jobId))).toMatchObject(expected);
    expect(
      await engineRejection(reader.restore(jobId, { sourceRoot: target.sourceRoot, target: 'back' })),
    ).toMatchObject(expected);
    await expect(fsp.stat(restoreTarget())).rejects.toMatchObject({ code: 'ENOENT' });
  };

  it('fails verify and restore of a snapshot whose data pack is missing with SNAPSHOT_CORRUPT naming the file', async () => {
    await store.delete(packs.bad);
    const corrupt = { code: 'SNAPSHOT_CORRUPT', message: `Snapshot ${jobId} is corrupt: sub/bad.txt` };
    // The worker that wrote it, whose index still lists the pack, and a new one, whose index never saw it.
    await bothRefuse(repository, corrupt);
    const fresh = await target.repository();
    await bothRefuse(fresh, corrupt);
    expect((await engineRejection(fresh.verify(jobId))).details).toEqual({ paths: ['sub/bad.txt'] });
    await fresh.restore(jobId, { sourceRoot: target.sourceRoot, target: 'back', path: 'good.txt' });
    expect(await fsp.readFile(restoreTarget(), 'utf8')).toBe('good content, authentic');
  });

  it('fails verify and restore of a snapshot whose data pack is truncated with SNAPSHOT_CORRUPT naming the file; a new reader refuses the repository naming the pack', async () => {
    // Cut inside the blob: its bytes end early, and the header and trailer are gone.
    await store.put(packs.bad, (await store.get(packs.bad)).subarray(0, 30));
    await bothRefuse(repository, {
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${jobId} is corrupt: sub/bad.txt`,
    });
    // Its trailer is gone: the pack's blobs cannot be listed, and a new reader refuses to guess.
    expect(await engineRejection((await target.repository()).open())).toMatchObject({
      code: 'REPOSITORY_DAMAGED',
      message: expect.stringContaining(`pack ${packs.bad}`),
    });
  });

  it('fails verify and restore of a snapshot whose data pack has a flipped byte, on a new reader too', async () => {
    await flipByte(packs.bad, 20);
    await bothRefuse(await target.repository(), {
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${jobId} is corrupt: sub/bad.txt`,
    });
  });

  it("fails verify and restore of a snapshot whose subdirectory's tree pack is damaged with SNAPSHOT_CORRUPT naming the directory", async () => {
    await flipByte(packs.subTree, 20);
    await bothRefuse(await target.repository(), {
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${jobId} is corrupt: sub`,
    });
    // The rest of the snapshot is intact and still restores alone.
    const reader = await target.repository();
    await reader.restore(jobId, { sourceRoot: target.sourceRoot, target: 'back', path: 'good.txt' });
    expect(await fsp.readFile(restoreTarget(), 'utf8')).toBe('good content, authentic');
  });

  it("fails verify and restore of a snapshot whose root tree is missing with SNAPSHOT_CORRUPT naming '.'", async () => {
    await store.delete(packs.rootTree);
    await bothRefuse(await target.repository(), {
      code: 'SNAPSHOT_CORRUPT',
      message: `Snapshot ${jobId} is corrupt: .`,
    });
  });

  it('fails verify and restore of a damaged or truncated snapshot object with REPOSITORY_DAMAGED naming the snapshot', async () => {
    const sealed = await store.get(`snapshots/${jobId}`);
    await flipByte(`snapshots/${jobId}`, 30);
    const damaged = {
      code: 'REPOSITORY_DAMAGED',
      message: `Repository damaged: snapshot ${jobId} failed authentication: it is damaged, or was altered or moved`,
    };
    await bothRefuse(await target.repository(), damaged);
    await store.put(`snapshots/${jobId}`, sealed.subarray(0, 40));
    await bothRefuse(await target.repository(), damaged);
    expect(await objectNames(store, 'snapshots/')).toEqual([`snapshots/${jobId}`]);
  });

  it('still backs up another folder, and the damaged folder again, beside a damaged snapshot object', async () => {
    await flipByte(`snapshots/${jobId}`, 30);
    await writeFiles(target.sourceRoot, { 'other/o.txt': 'another folder' });
    const writer = await target.repository();
    const other = await writer.backup('other', { sourceRoot: target.sourceRoot, jobId: randomUUID() });
    expect(other).toMatchObject({ files: 1, copiedFiles: 1 });
    // Its parent cannot be read: every file is read again, and the chunks it has are not stored twice.
    const again = await writer.backup('docs', { sourceRoot: target.sourceRoot, jobId: randomUUID() });
    expect(again).toMatchObject({ files: 2, copiedFiles: 0, linkedFiles: 2 });
    expect(await writer.verify(again.snapshot)).toMatchObject({ files: 2 });
    // What must see every snapshot to be right says which one it cannot read.
    const damaged = {
      code: 'REPOSITORY_DAMAGED',
      message: `Repository damaged: snapshot ${jobId} failed authentication: it is damaged, or was altered or moved`,
    };
    expect(await engineRejection(writer.listSnapshots('other'))).toMatchObject(damaged);
    expect(await engineRejection(writer.forget('docs', { keepLast: 1, keepDaily: 0 }))).toMatchObject(
      damaged,
    );
    expect(await engineRejection(writer.unreferencedPacks())).toMatchObject(damaged);
  });
});
