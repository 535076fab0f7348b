import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineError } from '@strongbox/engine';
import {
  FileStore,
  ObjectRepository,
  type ObjectRepositoryOptions,
  type ObjectStore,
} from '@strongbox/engine/object';
import { createTestBucket, TEST_CREDENTIALS, TEST_REGION } from './bucket.js';

/** The password of test repositories, and a cheap scrypt cost (the lowest a key object may record). */
export const TEST_PASSWORD = 'correct horse battery';
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** One repository location of a test, on a store kind, with a source root beside it. */
export interface TestTarget {
  kind: 'file' | 's3';
  /** Its REPOSITORY_URL: `file:///…` or `s3://<bucket>/repo`. */
  url: string;
  /** The S3 settings a child process needs to open `url` (empty for file://). */
  s3: { endpoint?: string; region?: string; forcePathStyle?: boolean; credentials?: typeof TEST_CREDENTIALS };
  /** Where the folders to back up are made. */
  sourceRoot: string;
  /** A new store on the location; on S3 through `endpoint` when given (a proxy). */
  store(endpoint?: string): Promise<ObjectStore>;
  /** A new repository instance on a new store, the test password and scrypt cost unless told otherwise. */
  repository(options?: Partial<ObjectRepositoryOptions> & { endpoint?: string }): Promise<ObjectRepository>;
  /** Closes every store made and removes the location and the source root. */
  remove(): Promise<void>;
}

/**
 * A new repository location of `kind` (S3 on the server at `endpoint`), with a repository created
 * there (the test password and scrypt cost), as `npm run repository -- init` would.
 */
export async function createTarget(kind: 'file' | 's3', endpoint: string): Promise<TestTarget> {
  const dir = await fsp.mkdtemp(path.join(tmpdir(), `strongbox-${kind}-`));
  const sourceRoot = path.join(dir, 'src');
  await fsp.mkdir(sourceRoot);
  const closers: (() => unknown)[] = [];
  let url: string;
  let s3: TestTarget['s3'] = {};
  let open: (endpoint?: string) => Promise<ObjectStore>;
  let removeLocation: () => Promise<void>;
  if (kind === 'file') {
    const root = path.join(dir, 'repo');
    await fsp.mkdir(root);
    url = `file://${root}`;
    open = async () => {
      const store = await FileStore.open(root);
      closers.push(() => store.close());
      return store;
    };
    removeLocation = async () => {};
  } else {
    const bucket = await createTestBucket(endpoint);
    url = `s3://${bucket.name}/repo`;
    s3 = { endpoint, region: TEST_REGION, forcePathStyle: true, credentials: TEST_CREDENTIALS };
    open = async (through) => bucket.store({ prefix: 'repo', ...(through ? { endpoint: through } : {}) });
    removeLocation = () => bucket.remove();
  }
  const target: TestTarget = {
    kind,
    url,
    s3,
    sourceRoot,
    store: (through) => open(through),
    async repository({ endpoint: through, ...options } = {}) {
      return new ObjectRepository(await open(through), {
        password: TEST_PASSWORD,
        scrypt: TEST_SCRYPT,
        ...options,
      });
    },
    async remove() {
      for (const close of closers) await close();
      await removeLocation();
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await ObjectRepository.init(await open(), { password: TEST_PASSWORD, scrypt: TEST_SCRYPT });
  } catch (error) {
    await target.remove();
    throw error;
  }
  return target;
}

/** The names of the objects under `prefix`, sorted. */
export async function objectNames(store: ObjectStore, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const { name } of store.list(prefix)) names.push(name);
  return names.sort();
}

/** Writes files given as { 'a/b.txt': 'content' } under `root`, creating parents. */
export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const at = path.join(root, rel);
    await fsp.mkdir(path.dirname(at), { recursive: true });
    await fsp.writeFile(at, content);
  }
}

/** The store with every name it is asked to `put` (not putIfAbsent) recorded in `names`, in the order the puts start. */
export function recordingPuts(store: ObjectStore, names: string[]): ObjectStore {
  return {
    put: (name, bytes) => {
      // As the put starts: a backup has up to two packs uploading at once, finishing in any order.
      names.push(name);
      return store.put(name, bytes);
    },
    putIfAbsent: (name, bytes) => store.putIfAbsent(name, bytes),
    get: (name) => store.get(name),
    getRange: (name, offset, length) => store.getRange(name, offset, length),
    head: (name) => store.head(name),
    list: (prefix) => store.list(prefix),
    delete: (name) => store.delete(name),
  };
}

/** The rejection of a promise that must reject with an EngineError (the test fails otherwise). */
export async function engineRejection(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof EngineError)) {
    throw new Error(`expected an EngineError, got ${error === undefined ? 'a fulfilment' : String(error)}`, {
      cause: error,
    });
  }
  return error;
}
