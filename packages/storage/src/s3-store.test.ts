import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectNotFoundError } from '@strongbox/engine/object';
import { listed, objectStoreContract } from '@strongbox/engine/object/testing';
import { checkS3 } from '@strongbox/services/testing';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTestBucket, type TestBucket } from './testing/bucket.js';

const s3 = checkS3({ ci: process.env.CI === 'true', endpoint: inject('s3Endpoint') });
if (!s3.run) console.warn(s3.reason);
const endpoint = s3.run ? s3.endpoint : '';

describe.runIf(s3.run)('S3 store', () => {
  objectStoreContract('S3 store', async ({ pageSize }) => {
    const bucket = await createTestBucket(endpoint);
    return { store: bucket.store({ prefix: 'repo/main', pageSize }), remove: () => bucket.remove() };
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
      proxy = await faultyProxy(endpoint, 2);
      const store = bucket.store({ endpoint: proxy.url, maxAttempts: 3 });
      await store.put('config', Buffer.from('after two refusals'));
      expect(proxy.requests).toBe(3);
      expect(proxy.refused).toBe(2);
      expect((await bucket.store().get('config')).toString()).toBe('after two refusals');
    });

    it('gives up after maxAttempts with a transient REPOSITORY_UNAVAILABLE', async () => {
      proxy = await faultyProxy(endpoint, Number.POSITIVE_INFINITY);
      const store = bucket.store({ endpoint: proxy.url, maxAttempts: 2 });
      await expect(store.get('config')).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: true,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} did not answer after 2 attempts (503 SlowDown)`,
      });
      expect(proxy.requests).toBe(2);
      await expect(bucket.store().get('config')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('sends a request 4 times at most unless told otherwise (a 500 each time)', async () => {
      proxy = await faultyProxy(endpoint, Number.POSITIVE_INFINITY, INTERNAL_ERROR);
      const store = bucket.store({ endpoint: proxy.url });
      await expect(store.put('config', Buffer.from('x'))).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: true,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} did not answer after 4 attempts (500 InternalError)`,
      });
      expect(proxy.requests).toBe(4);
    });

    it('answers AccessDenied at once with REPOSITORY_UNAVAILABLE, not transient, without retrying', async () => {
      proxy = await faultyProxy(endpoint, Number.POSITIVE_INFINITY, ACCESS_DENIED);
      const store = bucket.store({ endpoint: proxy.url });
      await expect(store.get('config')).rejects.toMatchObject({
        code: 'REPOSITORY_UNAVAILABLE',
        transient: false,
        message: `Repository unavailable: s3://${bucket.name}/ at ${proxy.url} refused access (AccessDenied): check the credentials and the bucket`,
      });
      expect(proxy.requests).toBe(1);
    });

    it('gives up on a server that is not there after maxAttempts, transient', async () => {
      proxy = await faultyProxy(endpoint, 0);
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

interface FaultyProxy {
  url: string;
  /** Requests received, refused or passed on. */
  requests: number;
  refused: number;
  close(): Promise<void>;
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}
const SLOW_DOWN: Refusal = { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
const INTERNAL_ERROR: Refusal = {
  status: 500,
  code: 'InternalError',
  message: 'We encountered an internal error.',
};
const ACCESS_DENIED: Refusal = { status: 403, code: 'AccessDenied', message: 'Access Denied' };

/** An HTTP proxy in front of the S3 server that answers its first `refuse` requests with an S3 error. */
async function faultyProxy(
  target: string,
  refuse: number,
  refusal: Refusal = SLOW_DOWN,
): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const state = { requests: 0, refused: 0 };
  const server: Server = createServer((incoming: IncomingMessage, answer: ServerResponse) => {
    state.requests++;
    if (state.refused < refuse) {
      state.refused++;
      incoming.resume();
      answer.writeHead(refusal.status, { 'content-type': 'application/xml' });
      answer.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`,
      );
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        answer.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(answer);
      },
    );
    forward.on('error', () => answer.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
