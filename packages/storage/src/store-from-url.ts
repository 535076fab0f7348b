import { FileStore, type ObjectStore } from '@strongbox/engine/object';
import { S3Store, type S3StoreOptions } from './s3-store.js';

/** A repository URL this code cannot open: says which forms it takes. */
export class InvalidRepositoryUrlError extends Error {
  constructor(
    readonly url: string,
    reason: string,
  ) {
    super(
      `Invalid repository URL ${JSON.stringify(url)}: ${reason}; use file:///absolute/path or s3://bucket/prefix`,
    );
    this.name = 'InvalidRepositoryUrlError';
  }
}

/** The S3 settings that a `s3://` URL does not carry. */
export type S3Settings = Omit<S3StoreOptions, 'bucket' | 'prefix'>;

/**
 * The store a repository URL names: `file:///absolute/path` (an existing directory) or
 * `s3://bucket/prefix` (the prefix may be empty), with `s3` for the endpoint, region and the rest.
 * @throws InvalidRepositoryUrlError for any other URL, without touching anything.
 */
export async function storeFromUrl(
  url: string,
  s3: S3Settings = {},
): Promise<ObjectStore & { close(): unknown }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidRepositoryUrlError(url, 'it is not a URL');
  }
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new InvalidRepositoryUrlError(url, 'it must not have a query, a fragment or credentials');
  }
  if (parsed.protocol === 'file:') {
    if (parsed.host !== '') throw new InvalidRepositoryUrlError(url, 'a file URL names no host');
    const path = decodeURIComponent(parsed.pathname);
    if (path.includes('\0')) throw new InvalidRepositoryUrlError(url, 'the path holds a NUL byte');
    return FileStore.open(path);
  }
  if (parsed.protocol === 's3:') {
    if (parsed.port !== '')
      throw new InvalidRepositoryUrlError(url, 'an s3 URL has no port: set the endpoint');
    try {
      return new S3Store({ ...s3, bucket: parsed.hostname, prefix: decodeURIComponent(parsed.pathname) });
    } catch (error) {
      throw new InvalidRepositoryUrlError(url, error instanceof Error ? error.message : String(error));
    }
  }
  throw new InvalidRepositoryUrlError(url, `the scheme ${parsed.protocol} is not one of file: and s3:`);
}
