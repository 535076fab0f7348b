import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  checkObjectName,
  checkObjectPrefix,
  checkRange,
  isObjectName,
  type ObjectEntry,
  ObjectNotFoundError,
  type ObjectStore,
  type PutIfAbsentResult,
  repositoryUnavailable,
} from '@strongbox/engine/object';

/** How many times a request is sent at most, the first one included, unless told otherwise. */
export const S3_MAX_ATTEMPTS = 4;
/**
 * How long a connection may take to open, in ms: an endpoint that does not accept one in 10 s is
 * down for our purposes, and the attempt is retried.
 */
export const S3_CONNECTION_TIMEOUT_MS = 10_000;
/**
 * How long a request's socket may stay idle, in ms (no byte sent or received): 2 minutes, far above
 * what a 32 MiB pack needs at any working bandwidth, so only a stalled transfer hits it; it is
 * retried like a reset connection.
 */
export const S3_REQUEST_TIMEOUT_MS = 120_000;
/** Objects per page of a listing (S3's own maximum), unless told otherwise. */
export const S3_PAGE_SIZE = 1000;

export interface S3StoreOptions {
  bucket: string;
  /** Where the repository's objects are in the bucket: `''` or a path like `backups/main`. */
  prefix?: string;
  /** Another S3-compatible server, e.g. `http://127.0.0.1:9000`; AWS's endpoint for the region otherwise. */
  endpoint?: string;
  /** @defaultValue the SDK's: AWS_REGION, then the AWS config files */
  region?: string;
  /** `http://host/bucket/key` rather than `http://bucket.host/key`: most servers other than AWS need it. */
  forcePathStyle?: boolean;
  /** @defaultValue the SDK's chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the files, then roles */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** @defaultValue {@link S3_MAX_ATTEMPTS} */
  maxAttempts?: number;
  /** @defaultValue {@link S3_PAGE_SIZE} */
  pageSize?: number;
}

// The answers that mean "this bucket is not for us", whatever we retry.
const REFUSED = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'InvalidBucketName',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'CredentialsProviderError',
]);
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The S3 store: each object is the key `<prefix>/<name>` in one bucket, on AWS or any
 * S3-compatible server.
 *
 * Retries are the SDK's "standard" strategy, bounded by `maxAttempts` (4 unless told otherwise,
 * the first attempt included): a 5xx, a throttling answer (503 SlowDown), a timeout or a broken
 * connection is sent again after an exponential backoff with jitter (a random delay up to 100 ms ×
 * 2^attempt, 500 ms × 2^attempt when throttled, 20 s at most), so a request gives up within about
 * 0.7 s of backoff (3.5 s when throttled) plus its attempts' own time. The strategy also keeps a
 * retry quota per client (500 tokens, 5 a retry, 10 after a timeout, given back by successes): an
 * outage that outlasts it stops retrying at once, so a long outage fails fast instead of piling
 * up backoffs. Timeouts: {@link S3_CONNECTION_TIMEOUT_MS}, {@link S3_REQUEST_TIMEOUT_MS}. The
 * job's own retry (another attempt, later) takes over from there. When the attempts are spent, or the
 * bucket is missing or refuses us (AccessDenied, a bad key…), the call fails with the engine's
 * REPOSITORY_UNAVAILABLE (transient only in the first case), one message saying which.
 *
 * The SDK's own checksums are sent and checked only where S3 requires them: many S3-compatible
 * servers do not know the newer ones, and each object is authenticated by the format itself.
 */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly prefix: string;
  readonly #client: S3Client;
  readonly #where: string;
  readonly #pageSize: number;
  readonly #maxAttempts: number;

  constructor(options: S3StoreOptions) {
    if (!BUCKET_NAME.test(options.bucket)) {
      throw new RangeError(
        `Invalid bucket name ${JSON.stringify(options.bucket)}: 3 to 63 lowercase letters, digits, "." and "-"`,
      );
    }
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (prefix !== '') checkObjectPrefix(prefix);
    this.bucket = options.bucket;
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.#pageSize = options.pageSize ?? S3_PAGE_SIZE;
    this.#maxAttempts = options.maxAttempts ?? S3_MAX_ATTEMPTS;
    this.#where = `s3://${this.bucket}/${prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.#client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      credentials: options.credentials,
      maxAttempts: this.#maxAttempts,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
        requestTimeout: S3_REQUEST_TIMEOUT_MS,
      },
    });
  }

  toString(): string {
    return this.#where;
  }

  /** Closes the client's connections; the store is not used after. */
  close(): void {
    this.#client.destroy();
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    const Key = this.#key(name);
    await this.#send(() =>
      this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes })),
    );
  }

  /**
   * `PUT` with `If-None-Match: *`: S3 answers 412 Precondition Failed when the key exists, and
   * 409 ConditionalRequestConflict to the losers of writes racing on it; both are 'exists'. If an
   * answer is lost and the SDK retries a write that did succeed, the retry gets 412 too: 'exists',
   * with this writer's bytes in place.
   */
  async putIfAbsent(name: string, bytes: Uint8Array): Promise<PutIfAbsentResult> {
    const Key = this.#key(name);
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, IfNoneMatch: '*' }),
      );
      return 'written';
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) return 'exists';
      throw this.#unavailable(error);
    }
  }

  async get(name: string): Promise<Buffer> {
    const Key = this.#key(name);
    return this.#read(name, { Bucket: this.bucket, Key });
  }

  async getRange(name: string, offset: number, length: number): Promise<Buffer> {
    const Key = this.#key(name);
    checkRange(offset, length);
    if (length === 0) {
      if ((await this.head(name)) === undefined) throw new ObjectNotFoundError(name);
      return Buffer.alloc(0);
    }
    try {
      return await this.#read(name, {
        Bucket: this.bucket,
        Key,
        Range: `bytes=${offset}-${offset + length - 1}`,
      });
    } catch (error) {
      // 416: the object is there, and ends at or before `offset`.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416)
        return Buffer.alloc(0);
      throw error;
    }
  }

  /** A HEAD answer has no body, so a missing bucket looks like a missing object here: undefined. */
  async head(name: string): Promise<number | undefined> {
    const Key = this.#key(name);
    try {
      const answer = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return answer.ContentLength ?? 0;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw this.#unavailable(error);
    }
  }

  /** Keys under the prefix that are not object names (put there by something else) are left out. */
  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    checkObjectPrefix(prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.#send(() =>
        this.#client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: this.#pageSize,
            ContinuationToken,
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.prefix.length);
        if (name !== undefined && isObjectName(name)) yield { name, size: object.Size ?? 0 };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async delete(name: string): Promise<void> {
    const Key = this.#key(name);
    await this.#send(() => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  #key(name: string): string {
    return this.prefix + checkObjectName(name);
  }

  async #read(name: string, input: { Bucket: string; Key: string; Range?: string }): Promise<Buffer> {
    try {
      const answer = await this.#client.send(new GetObjectCommand(input));
      const body = (await answer.Body?.transformToByteArray()) ?? new Uint8Array(0);
      // A view of the bytes the SDK collected for us alone: no second copy of a whole pack.
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey')
        throw new ObjectNotFoundError(name);
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416) throw error;
      throw this.#unavailable(error);
    }
  }

  async #send<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  /** The one message a caller gets when the storage failed us, by what it said. */
  #unavailable(error: unknown) {
    const name = error instanceof Error ? error.name : 'Error';
    const status = statusOf(error);
    if (name === 'NoSuchBucket') {
      return repositoryUnavailable(`bucket ${this.bucket} does not exist (${this.#where}, NoSuchBucket)`, {
        transient: false,
        cause: error,
      });
    }
    if (REFUSED.has(name) || status === 401 || status === 403) {
      return repositoryUnavailable(
        `${this.#where} refused access (${name}): check the credentials and the bucket`,
        {
          transient: false,
          cause: error,
        },
      );
    }
    const what = status === undefined ? `${name}: ${errorText(error)}` : `${status} ${name}`;
    const retried = isRetryable(error, status);
    return repositoryUnavailable(
      retried
        ? `${this.#where} did not answer after ${this.#maxAttempts} attempts (${what})`
        : `${this.#where} answered ${what}`,
      { transient: retried, cause: error },
    );
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

// What the SDK's standard strategy retries: no status (a connection or timeout), 5xx, throttling.
function isRetryable(error: unknown, status: number | undefined): boolean {
  if (status === undefined) return !(error instanceof S3ServiceException);
  return status >= 500 || status === 429 || (error instanceof Error && error.name === 'SlowDown');
}

function errorText(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code || (error instanceof Error ? error.message : String(error));
}
