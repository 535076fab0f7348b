import { ObjectNotFoundError } from '@strongbox/engine/object';
import { listed, objectStoreContract } from '@strongbox/engine/object/testing';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTestBucket, type TestBucket } from './testing/bucket.js';
import { type FaultyProxy, startFaultyProxy } from './testing/faulty-proxy.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';

describe.runIf(s3.run)('S3 store', () => {
  // Through a proxy that hands moto_server racing conditional writes of one key one at a time, as
  // S3 decides them (moto checks and stores in two steps; see FaultyProxyOptions).
  objectStoreContract('S3 store', async ({ pageSize }) => {
    const bucket = await createTestBucket(endpoint);
    const serial = await startFaultyProxy(endpoint, { serializeConditionalWrites: true });
    return {
      store: bucket.store({ prefix: 'repo/main', pageSize, endpoint: serial.url }),
      remove: async () => {
        await serial.close();
        await bucket.remove();
      },
    };
  });

  describe('S3 store: the bucket, the prefix and failures', () => {
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

    it('keeps each object at <prefix>/<name> in the bucket, apart from other prefixes', async () => {
      const main = bucket.store({ prefix: 'repo/main' });
      const other = bucket.store({ prefix: '/repo/other/' });
      const whole = bucket.store();
      await main.put('config', Buffer.from('main'));
      await other.put('config', Buffer.from('other'));
      expect(await listed(whole, '')).toEqual([
        { name: 'repo/main/config', size: 4 },
        { name: 'repo/other/config', size: 5 },
      ]);
      expect(await listed(main, '')).toEqual([{ name: 'config', size: 4 }]);
      expect((await other.get('config')).toString()).toBe('other');
    });

    it('answers a bucket that does not exist with REPOSITORY_UNAVAILABLE, not transient, for every call', async () => {
      const store = bucket.store({ bucket: 'sbtest-no-such-bucket' });
      const expected = {
        code: 'REPOSITORY_UNAVAILABLE',
        transient: false,
        message: `Repository unavailable: bucket sbtest-no-such-bucket does not exist (s3://sbtest-no-such-bucket/ at ${endpoint}, NoSuchBucket)`,
      };
      await expect(store.put('config', Buffer.from('x'))).rejects.toMatchObject(expected);
      await expect(store.putIfAbsent('snapshots/job-1', Buffer.from('x'))).rejects.toMatchObject(expected);
      await expect(store.get('config')).rejects.toMatchObject(expected);
      await expect(store.getRange('config', 0, 4)).rejects.toMatchObject(expected);
      await expect(listed(store, '')).rejects.toMatchObject(expected);
      // A HEAD answer has no body to say which is missing: the bucket looks like an absent object.
      expect(await store.head('config')).toBeUndefined();
    });

    it('retries a 503 SlowDown with backoff, and succeeds once the server answers', async () => {
      proxy = await startFaultyProxy(endpoint);
      proxy.inject({ fault: 'slow-down', times: 2 });
      const store = bucket.store({ endpoint: proxy.url, maxAttempts: 3 });
      await store.put('config', Buffer.from('after two refusals'));
      expect(proxy.log.map((r) => r.outcome)).toEqual(['slow-down', 'slow-down', 'forwarded']);
      expect((await bucket.store().get('config')).toString()).toBe('after two refusals');
    });

    it('gives up after maxAttempts with a transient REPOSITORY_UNAVAILABLE', async () => {
      proxy = await startFaultyProxy(endpoint);
      proxy.inject({ fault: 'slow-down' });
      const store = bucket.store({ endpoint: proxy.url, maxAttempts: 2 });
      await expect(store.get('config')).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: true,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} did not answer after 2 attempts (503 SlowDown)`,
      });
      expect(proxy.log).toHaveLength(2);
      await expect(bucket.store().get('config')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('sends a request 4 times at most unless told otherwise (a 500 each time)', async () => {
      proxy = await startFaultyProxy(endpoint);
      proxy.inject({ fault: 'internal-error' });
      const store = bucket.store({ endpoint: proxy.url });
      await expect(store.put('config', Buffer.from('x'))).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: true,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} did not answer after 4 attempts (500 InternalError)`,
      });
      expect(proxy.log).toHaveLength(4);
    });

    it('answers AccessDenied at once with REPOSITORY_UNAVAILABLE, not transient, without retrying', async () => {
      proxy = await startFaultyProxy(endpoint);
      proxy.inject({ fault: 'access-denied' });
      const store = bucket.store({ endpoint: proxy.url });
      await expect(store.get('config')).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: false,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} refused access (AccessDenied): check the credentials and the bucket`,
      });
      expect(proxy.log).toHaveLength(1);
    });

    it('gives up on a server that is not there after maxAttempts, transient', async () => {
      proxy = await startFaultyProxy(endpoint);
      const gone = proxy.url;
      await proxy.close();
      proxy = undefined;
      const store = bucket.store({ endpoint: gone, maxAttempts: 2 });
      await expect(store.head('config')).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: true,
        message: `Repository unavailable: s3://${bucket.name}/ at ${gone} did not answer after 2 attempts (Error: ECONNREFUSED)`,
      });
    });
  });
});
