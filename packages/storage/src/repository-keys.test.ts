import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import {
  addKey,
  listKeys,
  ObjectRepository,
  type ObjectStore,
  removeKey,
  rotateKey,
} from '@strongbox/engine/object';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createTarget,
  engineRejection,
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
const SECOND = 'a second password, 8841';
const options = { scrypt: TEST_SCRYPT };

describe.each(kinds)("a repository's keys on %s", (kind) => {
  let target: TestTarget;
  let store: ObjectStore;
  let jobId: string;
  beforeEach(async () => {
    target = await createTarget(kind, endpoint);
    store = await target.store();
    await writeFiles(target.sourceRoot, { 'docs/a.txt': 'alpha under every key' });
    jobId = randomUUID();
    const repository = await target.repository();
    await repository.backup('docs', { sourceRoot: target.sourceRoot, jobId });
  });
  afterEach(async () => {
    await target.remove();
  });

  /** Restores the snapshot with `password` on a new repository instance and answers a.txt. */
  async function readWith(password: string): Promise<string> {
    const repository = new ObjectRepository(await target.store(), { password });
    const restored = `back-${randomUUID()}`;
    await repository.restore(jobId, { sourceRoot: target.sourceRoot, target: restored });
    return fsp.readFile(path.join(target.sourceRoot, restored, 'a.txt'), 'utf8');
  }

  const keyNames = async () => objectNames(store, 'keys/');

  it('adds a password: both open the repository and read the same data, and the listing shows both', async () => {
    const [first] = await listKeys(store, TEST_PASSWORD);
    const added = await addKey(store, TEST_PASSWORD, SECOND, options);
    expect(added).toMatch(/^[0-9a-f]{32}$/);
    expect(await readWith(TEST_PASSWORD)).toBe('alpha under every key');
    expect(await readWith(SECOND)).toBe('alpha under every key');
    const listed = await listKeys(store, SECOND);
    expect(
      listed.map(({ id, current }) => ({ id, current })).sort((a, b) => a.id.localeCompare(b.id)),
    ).toEqual(
      [
        { id: first!.id, current: false },
        { id: added, current: true },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(listed.find(({ id }) => id === added)!.created).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );
  });

  it('removes a password: it then gets WRONG_PASSWORD, and the other still reads', async () => {
    const [first] = await listKeys(store, TEST_PASSWORD);
    await addKey(store, TEST_PASSWORD, SECOND, options);
    await removeKey(store, SECOND, first!.id);
    expect(await engineRejection(readWith(TEST_PASSWORD))).toMatchObject({ code: 'WRONG_PASSWORD' });
    expect(await readWith(SECOND)).toBe('alpha under every key');
    expect(await keyNames()).toHaveLength(1);
  });

  it('rotates: the old password fails with WRONG_PASSWORD, the new one reads, one key is left', async () => {
    const [first] = await listKeys(store, TEST_PASSWORD);
    const { added, removed } = await rotateKey(store, TEST_PASSWORD, SECOND, options);
    expect(removed).toBe(first!.id);
    expect(await keyNames()).toEqual([`keys/${added}`]);
    expect(await engineRejection(readWith(TEST_PASSWORD))).toMatchObject({ code: 'WRONG_PASSWORD' });
    expect(await readWith(SECOND)).toBe('alpha under every key');
  });

  it('refuses to remove the last key with LAST_KEY, and an unknown key with NO_SUCH_KEY, changing nothing', async () => {
    const [only] = await listKeys(store, TEST_PASSWORD);
    const before = await store.get(`keys/${only!.id}`);
    expect(await engineRejection(removeKey(store, TEST_PASSWORD, only!.id))).toMatchObject({
      code: 'LAST_KEY',
      message: `Key ${only!.id} is the repository's last key: add another password before removing it`,
    });
    expect(await engineRejection(removeKey(store, TEST_PASSWORD, '0'.repeat(32)))).toMatchObject({
      code: 'NO_SUCH_KEY',
      message: `The repository has no key "${'0'.repeat(32)}"`,
    });
    expect(await keyNames()).toEqual([`keys/${only!.id}`]);
    expect(await store.get(`keys/${only!.id}`)).toEqual(before);
    expect(await readWith(TEST_PASSWORD)).toBe('alpha under every key');
  });

  it('refuses every change under a wrong current password with WRONG_PASSWORD, writing nothing', async () => {
    const [only] = await listKeys(store, TEST_PASSWORD);
    for (const attempt of [
      () => addKey(store, 'not the password', SECOND, options),
      () => removeKey(store, 'not the password', only!.id),
      () => rotateKey(store, 'not the password', SECOND, options),
      () => listKeys(store, 'not the password'),
    ]) {
      expect(await engineRejection(attempt())).toMatchObject({ code: 'WRONG_PASSWORD' });
    }
    expect(await keyNames()).toEqual([`keys/${only!.id}`]);
    expect(await engineRejection(readWith(SECOND))).toMatchObject({ code: 'WRONG_PASSWORD' });
  });
});
