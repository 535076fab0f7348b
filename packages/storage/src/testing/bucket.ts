import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { S3Store, type S3StoreOptions } from '../s3-store.js';

/** What a test server (moto_server) accepts: any key, one region. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
export const TEST_REGION = 'us-east-1';

/** A bucket of its own for one test, on the S3 server at `endpoint`. */
export interface TestBucket {
  name: string;
  /** A store on the bucket, under `prefix`, with `options` on top. */
  store(options?: Partial<S3StoreOptions>): S3Store;
  /** Deletes every object in the bucket, then the bucket. */
  remove(): Promise<void>;
}

/** Creates an empty bucket `sbtest-<random>`; call `remove()` in afterEach/afterAll. */
export async function createTestBucket(endpoint: string): Promise<TestBucket> {
  const name = `sbtest-${randomBytes(6).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: name }));
  const stores: S3Store[] = [];
  return {
    name,
    store(options = {}) {
      const store = new S3Store({
        bucket: name,
        endpoint,
        region: TEST_REGION,
        forcePathStyle: true,
        credentials: TEST_CREDENTIALS,
        ...options,
      });
      stores.push(store);
      return store;
    },
    async remove() {
      for (const store of stores) store.close();
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: name, ContinuationToken }));
        const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
        if (keys.length > 0) {
          await client.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: keys } }));
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      await client.send(new DeleteBucketCommand({ Bucket: name }));
      client.destroy();
    },
  };
}
