import { FileStore, ObjectRepository } from '@strongbox/engine/object';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTestBucket, type TestBucket } from './testing/bucket.js';
import { type FaultyProxy, startFaultyProxy } from './testing/faulty-proxy.js';
import {
  createTarget,
  engineRejection,
  objectNames,
  TEST_PASSWORD,
  TEST_SCRYPT,
  type TestTarget,
} from './testing/targets.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';
const kinds = s3.run ? (['file', 's3'] as const) : (['file'] as const);

describe.each(kinds)('opening an object repository on %s that is not usable', (kind) => {
  let target: TestTarget;
  beforeEach(async () => {
    target = await createTarget(kind, endpoint);
  });
  afterEach(async () => {
    await target.remove();
  });
  const where = () =>
    kind === 'file' ? 'file://' : `s3://${target.url.slice(5).split('/')[0]}/repo at ${endpoint}`;

  it('refuses a wrong password once, with WRONG_PASSWORD naming the repository and never the password', async () => {
    await (await target.repository()).open();
    const before = await objectNames(await target.store(), '');
    const error = await engineRejection((await target.repository({ password: 'Tr0ub4dor&3' })).open());
    const [key] = before.filter((name) => name.startsWith('keys/'));
    expect(error).toMatchObject({
      code: 'WRONG_PASSWORD',
      transient: false,
      message: `The repository password does not open key ${key!.slice(5)} (repository ${where()})`,
    });
    expect(error.message).not.toContain('Tr0ub4dor');
    expect(error.message).not.toContain(TEST_PASSWORD);
    expect(await objectNames(await target.store(), '')).toEqual(before);
  });

  it('refuses an unknown format version with UNKNOWN_LAYOUT before it looks for a key, and writes nothing', async () => {
    const store = await target.store();
    await store.put('config', Buffer.from('{"version":2,"id":"from the future"}\n'));
    const before = await objectNames(store, '');
    const error = await engineRejection((await target.repository()).open());
    expect(error).toMatchObject({
      code: 'UNKNOWN_LAYOUT',
      transient: false,
      message: `The repository has format version 2, which this Strongbox does not know (it knows 1) (repository ${where()})`,
    });
    expect(await objectNames(store, '')).toEqual(before);
  });

  it('refuses a config that does not parse, or a key object that was altered, with REPOSITORY_DAMAGED naming it', async () => {
    await (await target.repository()).open();
    const store = await target.store();
    const [key] = await objectNames(store, 'keys/');
    const config = await store.get('config');
    await store.put('config', config.subarray(0, 20));
    expect(await engineRejection((await target.repository()).open())).toMatchObject({
      code: 'REPOSITORY_DAMAGED',
      message: expect.stringMatching(/^Repository damaged: the repository config .*\(repository /),
    });
    await store.put('config', config);
    const sealed = JSON.parse((await store.get(key!)).toString()) as { sealed: string };
    const flipped = Buffer.from(sealed.sealed, 'base64');
    flipped[flipped.length - 1]! ^= 1;
    await store.put(key!, Buffer.from(JSON.stringify({ ...sealed, sealed: flipped.toString('base64') })));
    // An altered key object cannot be told from a wrong password: the tag fails either way.
    expect(await engineRejection((await target.repository()).open())).toMatchObject({
      code: 'WRONG_PASSWORD',
      message: `The repository password does not open key ${key!.slice(5)} (repository ${where()})`,
    });
  });
});

describe('opening an object repository whose location is missing', () => {
  it('refuses a file:// directory that does not exist with REPOSITORY_UNAVAILABLE, naming no server path', async () => {
    const error = await engineRejection(FileStore.open('/nonexistent/strongbox-repository'));
    expect(error).toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      transient: false,
      message: "Repository unavailable: cannot open the repository's directory (ENOENT)",
    });
  });
});

describe.runIf(s3.run)('opening an object repository on S3 that refuses us', () => {
  let bucket: TestBucket;
  let proxy: FaultyProxy | undefined;
  beforeEach(async () => {
    bucket = await createTestBucket(endpoint);
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await bucket.remove();
  });

  it('refuses a bucket that does not exist at open with REPOSITORY_UNAVAILABLE naming it, and creates nothing', async () => {
    const missing = `${bucket.name}-missing`;
    const repository = new ObjectRepository(bucket.store({ bucket: missing, prefix: 'repo' }), {
      password: TEST_PASSWORD,
      scrypt: TEST_SCRYPT,
    });
    const error = await engineRejection(repository.open());
    expect(error).toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      transient: false,
      message: `Repository unavailable: bucket ${missing} does not exist (s3://${missing}/repo at ${endpoint}, NoSuchBucket)`,
    });
    expect(error.message).not.toContain(TEST_PASSWORD);
    // Every later call gives the same one message, and no job gets further.
    expect(await engineRejection(repository.listFolders())).toMatchObject({ message: error.message });
    expect(await objectNames(bucket.store(), '')).toEqual([]);
  });

  it('refuses a bucket that answers AccessDenied at open with REPOSITORY_UNAVAILABLE, at once, naming it', async () => {
    proxy = await startFaultyProxy(endpoint);
    proxy.inject({ fault: 'access-denied' });
    const repository = new ObjectRepository(bucket.store({ endpoint: proxy.url, prefix: 'repo' }), {
      password: TEST_PASSWORD,
      scrypt: TEST_SCRYPT,
    });
    const error = await engineRejection(repository.open());
    expect(error).toMatchObject({
      code: 'REPOSITORY_UNAVAILABLE',
      transient: false,
      message: `Repository unavailable: s3://${bucket.name}/repo at ${proxy.url} refused access (AccessDenied): check the credentials and the bucket`,
    });
    // Not retried: one GET of config, refused.
    expect(proxy.log).toEqual([
      { operation: 'GetObject', key: 'repo/config', conditional: false, outcome: 'access-denied' },
    ]);
    expect(await objectNames(bucket.store(), '')).toEqual([]);
  });
});
