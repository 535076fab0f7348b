import { createCipheriv, createHash, randomUUID } from 'node:crypto';
import { blobId } from './blob.js';
import type { BlobIndex } from './blob-index.js';
import { decodeConfig } from './config.js';
import { openMasterKeys } from './master-keys.js';
import { MemoryBlobIndex } from './memory-blob-index.js';
import { PackedBlobs } from './object-index.js';
import { ObjectRepository } from './object-repository.js';
import type { ObjectStore } from './object-store.js';
import { sealSnapshot, snapshotPath } from './snapshot-object.js';
import { encodeTree, type TreeEntry } from './tree.js';

/**
 * The shape of a synthetic repository (the prune benchmark's, docs/benchmarks.md, "Issue 19"):
 * `chunks` distinct data chunks of `chunkSize` bytes, one a file, over `snapshots` snapshots of one
 * folder, `filesPerDirectory` files a directory. Snapshot k stores its own run of chunks; the odd
 * snapshots are forgotten; an odd snapshot k with k % 4 = 3 lends every third chunk of its run to
 * snapshot k + 1 (a directory `shared-…` there), so that a third of its packs stays referenced. The
 * garbage is then whole packs (the other odd snapshots) and packs two thirds garbage (those that
 * lent), which a prune repacks.
 */
export interface SyntheticShape {
  chunks: number;
  snapshots: number;
  chunkSize: number;
  filesPerDirectory: number;
}

/** A snapshot that lends lends every this many chunks of its run. */
const LEND_EVERY = 3;

/** One directory of a planned snapshot: its name and its files' chunks (one chunk a file, in order). */
export interface SyntheticDirectory {
  name: string;
  chunks: number[];
}

/** One snapshot of the plan: its directories, and whether it is forgotten. */
export interface SyntheticSnapshotPlan {
  index: number;
  forgotten: boolean;
  directories: SyntheticDirectory[];
}

/** The snapshots of a shape, in the order they are written; the same for the same shape. */
export function syntheticPlan(shape: SyntheticShape): SyntheticSnapshotPlan[] {
  const { chunks, snapshots, filesPerDirectory } = shape;
  if (
    !(
      Number.isSafeInteger(snapshots) &&
      snapshots >= 1 &&
      Number.isSafeInteger(chunks) &&
      chunks >= snapshots
    )
  )
    throw new RangeError(
      `a synthetic shape has at least one snapshot and a chunk a snapshot: ${chunks}, ${snapshots}`,
    );
  if (!(Number.isSafeInteger(filesPerDirectory) && filesPerDirectory >= 1))
    throw new RangeError(`files a directory: a positive integer, not ${filesPerDirectory}`);
  const per = Math.floor(chunks / snapshots);
  const runOf = (k: number) => ({ start: k * per, end: k === snapshots - 1 ? chunks : (k + 1) * per });
  const directories = (prefix: string, ids: number[]) => {
    const out: SyntheticDirectory[] = [];
    for (let at = 0; at < ids.length; at += filesPerDirectory) {
      const name = `${prefix}${String(at / filesPerDirectory).padStart(5, '0')}`;
      out.push({ name, chunks: ids.slice(at, at + filesPerDirectory) });
    }
    return out;
  };
  const lends = (k: number) => k % 4 === 3 && k + 1 < snapshots;
  const plan: SyntheticSnapshotPlan[] = [];
  for (let k = 0; k < snapshots; k++) {
    const { start, end } = runOf(k);
    const own: number[] = [];
    for (let i = start; i < end; i++) own.push(i);
    const dirs = directories('d', own);
    if (k > 0 && lends(k - 1)) {
      const lent = runOf(k - 1);
      const ids: number[] = [];
      for (let i = lent.start; i < lent.end; i += LEND_EVERY) ids.push(i);
      dirs.push(...directories('shared-', ids));
    }
    plan.push({ index: k, forgotten: k % 2 === 1, directories: dirs });
  }
  return plan;
}

/** The chunks that no kept snapshot of the plan references: what a prune may free. */
export function syntheticGarbage(plan: readonly SyntheticSnapshotPlan[]): number {
  const kept = new Set<number>();
  const all = new Set<number>();
  for (const snapshot of plan) {
    for (const dir of snapshot.directories) {
      for (const i of dir.chunks) {
        all.add(i);
        if (!snapshot.forgotten) kept.add(i);
      }
    }
  }
  return all.size - kept.size;
}

/**
 * A source of chunk contents: chunk i is the bytes of an AES-256-CTR keystream (under a key from
 * `seed`) at i × chunkSize, so incompressible, distinct, and the same for the same seed and shape.
 */
export function syntheticChunks(chunkSize: number, seed = 'strongbox synthetic'): (i: number) => Buffer {
  if (!(Number.isSafeInteger(chunkSize) && chunkSize >= 1 && chunkSize % 16 === 0))
    throw new RangeError(`a synthetic chunk is a positive multiple of 16 bytes, not ${chunkSize}`);
  const key = createHash('sha256').update(seed).digest();
  const zeros = Buffer.alloc(chunkSize);
  return (i) => {
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(i * (chunkSize / 16)), 8);
    return createCipheriv('aes-256-ctr', key, iv).update(zeros);
  };
}

export interface SyntheticRepositoryOptions {
  password: string;
  shape: SyntheticShape;
  /** scrypt cost of the key; the default one otherwise. */
  scrypt?: { N: number; r: number; p: number };
  /** The blob index of the new repository (the catalog's); one in memory otherwise. */
  index?: (repositoryId: string) => BlobIndex;
  /** Pack target size. @defaultValue PACK_TARGET_SIZE */
  packTarget?: number;
  /** The folder the snapshots are of. @defaultValue 'synthetic' */
  folder?: string;
  /** The first snapshot's time; each next one a minute later. @defaultValue 2026-01-01 */
  start?: Date;
  /** Called after each snapshot is committed. */
  onSnapshot?: (index: number, jobId: string) => void;
}

/** What was written: the repository's id, and every snapshot (the forgotten ones deleted). */
export interface SyntheticRepository {
  repositoryId: string;
  snapshots: { jobId: string; forgotten: boolean }[];
}

/**
 * Creates a repository in an empty store (as `ObjectRepository.init`) and writes the plan of
 * `shape` into it with the engine's own writers, as backups would have: each snapshot's new chunks
 * and trees through a blob writer of its own (packs, recorded in the index once stored), then the
 * snapshot object; then deletes the forgotten snapshots' objects, as a retention's forget does. No
 * file is read: this is how a benchmark makes a repository of a million chunks in minutes.
 */
export async function writeSyntheticRepository(
  store: ObjectStore,
  options: SyntheticRepositoryOptions,
): Promise<SyntheticRepository> {
  const { password, shape } = options;
  const plan = syntheticPlan(shape);
  const chunk = syntheticChunks(shape.chunkSize);
  const repositoryId = await ObjectRepository.init(store, {
    password,
    ...(options.scrypt ? { scrypt: options.scrypt } : {}),
  });
  const config = decodeConfig(await store.get('config'));
  let keyName: string | undefined;
  for await (const { name } of store.list('keys/')) keyName = name;
  if (!keyName) throw new Error('the new repository has no key');
  const keys = await openMasterKeys(
    await store.get(keyName),
    password,
    keyName.slice('keys/'.length),
    config.id,
  );
  const blobs = new PackedBlobs(store, keys, options.index?.(repositoryId) ?? new MemoryBlobIndex());
  const folder = options.folder ?? 'synthetic';
  const start = (options.start ?? new Date('2026-01-01T00:00:00Z')).getTime();
  const snapshots: SyntheticRepository['snapshots'] = [];
  let parent: string | null = null;
  for (const snapshot of plan) {
    const writer = blobs.writer(options.packTarget);
    const time = new Date(start + snapshot.index * 60_000);
    const mtime = `${BigInt(time.getTime()) * 1_000_000n}`;
    const rootEntries: TreeEntry[] = [];
    let files = 0;
    for (const dir of snapshot.directories) {
      const entries: TreeEntry[] = [];
      for (const [n, i] of dir.chunks.entries()) {
        const plaintext = chunk(i);
        const hex = blobId(keys.id, plaintext);
        await writer.add('data', plaintext, hex);
        entries.push({
          name: `f${String(n).padStart(6, '0')}`,
          type: 'file',
          mode: 0o644,
          mtime,
          size: plaintext.length,
          inode: String(i + 1),
          content: [hex.toString('hex')],
        });
      }
      files += entries.length;
      const tree = encodeTree(keys.id, entries);
      for (const part of tree.parts) await writer.add('tree', part.plaintext, part.id);
      rootEntries.push({ name: dir.name, type: 'dir', mode: 0o755, mtime, subtree: tree.id.toString('hex') });
    }
    const root = encodeTree(keys.id, rootEntries);
    for (const part of root.parts) await writer.add('tree', part.plaintext, part.id);
    await writer.flush();
    const jobId = randomUUID();
    const bytes = files * shape.chunkSize;
    const sealed = sealSnapshot(keys.data, {
      version: 1,
      folder,
      jobId,
      time: time.toISOString(),
      tree: root.id.toString('hex'),
      parent,
      totals: { files, dirs: snapshot.directories.length + 1, symlinks: 0, bytes },
      result: {
        copiedFiles: files,
        copiedBytes: bytes,
        linkedFiles: 0,
        skipped: 0,
        warnings: [],
        durationMs: 0,
        ...writer.chunks,
      },
    });
    await store.put(snapshotPath(jobId), sealed);
    snapshots.push({ jobId, forgotten: snapshot.forgotten });
    options.onSnapshot?.(snapshot.index, jobId);
    parent = jobId;
  }
  for (const { jobId, forgotten } of snapshots) if (forgotten) await store.delete(snapshotPath(jobId));
  return { repositoryId, snapshots };
}
