import { type BigIntStats, constants, promises as fsp } from 'node:fs';
import { escapeName, openChildDirectory, readSortedEntries } from '../anchored-dir.js';
import { EngineError, errnoOf, toEngineError } from '../errors.js';
import { fdPath } from '../fd-path.js';
import { noneExcluded, PathFilter } from '../filter.js';
import { ProgressThrottle } from '../progress.js';
import type { BackupRequest, BackupResult } from '../repository/repository.js';
import { resolveSourceDirectory } from '../resolve.js';
import { addWarning, type CopyCounters, finalTally, newCounters } from '../tally.js';
import { blobId } from './blob.js';
import { Chunker } from './chunker.js';
import type { BlobReader, BlobWriter } from './object-index.js';
import { treeEntries } from './object-read.js';
import type { OpenRepository } from './open-repository.js';
import { damaged } from './seal.js';
import { openSnapshot, type SnapshotObject, sealSnapshot, snapshotPath } from './snapshot-object.js';
import { encodeTree, type TreeEntry } from './tree.js';

/** Files smaller than this are read with one read into a buffer every such file reuses. */
const SMALL_FILE = 1024 * 1024;

interface Walk {
  reader: BlobReader;
  writer: BlobWriter;
  chunker: Chunker;
  /** The buffer small files are read into, one after another. */
  small: Buffer;
  idKey: Buffer;
  counters: CopyCounters;
  dirs: number;
  symlinks: number;
  progress: ProgressThrottle;
  signal: AbortSignal | undefined;
  /** The folder's policy: what is left out (null: nothing, and no test is made). */
  filter: PathFilter | null;
}

/**
 * One backup of `folder`: walks it (resolved below the source root as the local tree does),
 * chunks each file, stores the blobs the repository lacks in new packs, the trees bottom-up, and
 * last the snapshot object, with putIfAbsent: a retry that finds its job's snapshot answers it.
 */
export async function backupInto(
  repo: OpenRepository,
  folder: string,
  request: BackupRequest,
  parent: SnapshotObject | null,
): Promise<BackupResult> {
  const started = performance.now();
  const time = (request.now ?? new Date()).toISOString();
  const counters = newCounters();
  const walk: Walk = {
    reader: repo.blobs.reader(),
    writer: repo.blobs.writer(repo.packTarget),
    chunker: new Chunker(repo.keys.chunker, repo.chunker),
    small: Buffer.allocUnsafe(SMALL_FILE),
    idKey: repo.keys.id,
    counters,
    dirs: 0,
    symlinks: 0,
    progress: new ProgressThrottle(request.onProgress, () => ({
      filesDone: counters.files,
      bytesDone: counters.bytes,
    })),
    signal: request.signal,
    filter: PathFilter.of(request.filter),
  };
  const source = await resolveSourceDirectory(request.sourceRoot, folder);
  let tree: Buffer;
  try {
    try {
      tree =
        (await writeDirectory(walk, source.handle, '', await previousEntries(walk, parent?.tree))) ??
        // The folder itself holds a marker: the snapshot is its root directory alone.
        (await writeTree(walk, []));
    } finally {
      await source.close();
    }
    await walk.writer.flush();
  } catch (error) {
    // No upload of this backup runs on once it has answered.
    await walk.writer.settle();
    throw error;
  }
  request.signal?.throwIfAborted();
  await request.beforeCommit?.();
  const tally = finalTally(counters);
  const result = {
    copiedFiles: tally.copiedFiles,
    copiedBytes: tally.copiedBytes,
    linkedFiles: tally.linkedFiles,
    skipped: tally.skipped,
    warnings: tally.warnings,
    durationMs: Math.round(performance.now() - started),
    ...walk.writer.chunks,
    excluded: tally.excluded,
  };
  const sealed = sealSnapshot(repo.keys.data, {
    version: 1,
    folder,
    jobId: request.jobId,
    time,
    tree: tree.toString('hex'),
    parent: parent?.jobId ?? null,
    totals: { files: tally.files, dirs: walk.dirs, symlinks: walk.symlinks, bytes: tally.bytes },
    result,
  });
  const name = snapshotPath(request.jobId);
  if ((await repo.store.putIfAbsent(name, sealed)) === 'exists') {
    // An earlier attempt of this job committed meanwhile: its snapshot is the answer.
    const object = openSnapshot(repo.keys.data, request.jobId, await repo.store.get(name));
    const adopted = resultOf(object);
    if (!adopted) throw damaged(`snapshot ${request.jobId} records no result`);
    walk.progress.finish();
    return adopted;
  }
  walk.progress.finish();
  return { snapshot: request.jobId, files: tally.files, bytes: tally.bytes, ...result };
}

/**
 * The entries of a directory in the parent snapshot, by name; none when there is no such directory
 * or its tree cannot be read (its files are then read again, which is always right).
 */
async function previousEntries(walk: Walk, treeId: string | undefined): Promise<Map<string, TreeEntry>> {
  if (treeId === undefined) return new Map();
  try {
    const entries = await treeEntries(walk.reader, Buffer.from(treeId, 'hex'), 'the parent snapshot');
    return new Map(entries.map((entry) => [entry.name, entry]));
  } catch (error) {
    if (error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED') return new Map();
    throw error;
  }
}

/**
 * Stores a directory's files and subdirectories, then its tree; answers the tree's id, or null when
 * the directory holds a marker of the folder's policy (then nothing of it is stored).
 */
async function writeDirectory(
  walk: Walk,
  dir: fsp.FileHandle,
  rel: string,
  previous: Map<string, TreeEntry>,
): Promise<Buffer | null> {
  walk.signal?.throwIfAborted();
  const { entries, notUtf8 } = await readSortedEntries(dir);
  const { filter } = walk;
  const marker = filter?.markerAmong(entries);
  if (marker !== undefined) {
    walk.counters.excluded.byMarker++;
    if (rel === '')
      addWarning(walk.counters, `the folder holds the marker ${marker}: nothing in it is backed up`);
    return null;
  }
  for (const name of notUtf8) {
    walk.counters.skipped++;
    addWarning(walk.counters, `${join(rel, name)}: the name is not UTF-8, skipped`);
  }
  const held = await heldContent(walk, previous);
  const tree: TreeEntry[] = [];
  for (const d of entries) {
    const at = fdPath(dir.fd, d.name);
    const relPath = join(rel, d.name);
    const before = previous.get(d.name);
    try {
      const st = await fsp.lstat(at, { bigint: true });
      const common = { name: d.name, mode: Number(st.mode & 0o7777n), mtime: st.mtimeNs.toString() };
      if (filter && isLeftOut(walk, filter, relPath, st)) continue;
      if (st.isDirectory()) {
        const child = await openChildDirectory(dir, d.name);
        try {
          const subtree = await writeDirectory(
            walk,
            child,
            relPath,
            await previousEntries(walk, before?.type === 'dir' ? before.subtree : undefined),
          );
          if (subtree === null) continue;
          tree.push({ ...common, type: 'dir', subtree: subtree.toString('hex') });
        } finally {
          await child.close();
        }
        walk.dirs++;
      } else if (st.isSymbolicLink()) {
        tree.push({ ...common, type: 'symlink', target: await fsp.readlink(at) });
        walk.symlinks++;
        walk.counters.files++;
      } else if (st.isFile()) {
        const inode = st.ino.toString();
        const unchanged =
          before?.type === 'file' &&
          before.size === Number(st.size) &&
          before.mtime === common.mtime &&
          before.inode === inode &&
          before.content.every((id) => held.has(id));
        const content = unchanged ? keep(walk, before) : await writeFile(walk, at, Number(st.size));
        tree.push({ ...common, type: 'file', inode, ...content });
      } else {
        walk.counters.skipped++;
      }
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') {
        walk.counters.skipped++;
        addWarning(walk.counters, `${relPath}: vanished while the backup read it`);
        continue;
      }
      throw toEngineError(error, `backing up ${escapeName(Buffer.from(relPath))}`);
    }
    walk.progress.update();
  }
  return writeTree(walk, tree);
}

/** Stores a directory's tree; answers its id. */
async function writeTree(walk: Walk, tree: TreeEntry[]): Promise<Buffer> {
  const encoded = encodeTree(walk.idKey, tree);
  for (const part of encoded.parts) await walk.writer.add('tree', part.plaintext, part.id);
  return encoded.id;
}

/** Whether the policy leaves the entry out (by a pattern, or by its size); counted if so. */
function isLeftOut(walk: Walk, filter: PathFilter, relPath: string, st: BigIntStats): boolean {
  const { excluded } = walk.counters;
  if (st.isDirectory() ? filter.excludesDirectory(relPath) : filter.excludesFile(relPath)) {
    excluded.byPattern++;
    return true;
  }
  if (st.isFile() && filter.tooLarge(st.size)) {
    excluded.bySize++;
    excluded.bySizeBytes += Number(st.size);
    return true;
  }
  return false;
}

/**
 * The chunks of the parent's files in this directory that the repository still has, asked in one
 * question for the directory: a file is kept unread only when all of its chunks are there.
 */
async function heldContent(walk: Walk, previous: Map<string, TreeEntry>): Promise<Set<string>> {
  const ids: Buffer[] = [];
  for (const entry of previous.values()) {
    if (entry.type === 'file') for (const id of entry.content) ids.push(Buffer.from(id, 'hex'));
  }
  return ids.length === 0 ? new Set() : walk.writer.existing(ids);
}

/**
 * A file's chunks, queued for the packs; it counts as copied when the repository lacked one of them
 * (known once its last chunk has been looked up), as linked when it had them all.
 */
async function writeFile(
  walk: Walk,
  at: string,
  sizeSeen: number,
): Promise<{ size: number; content: string[] }> {
  const handle = await fsp.open(at, constants.O_RDONLY | constants.O_NOFOLLOW);
  const content: string[] = [];
  let size = 0;
  let copied = false;
  const isNew = () => {
    copied = true;
  };
  try {
    for await (const chunk of walk.chunker.chunks(fileBytes(handle, sizeSeen, walk.small))) {
      walk.signal?.throwIfAborted();
      const id = blobId(walk.idKey, chunk);
      await walk.writer.add('data', chunk, id, isNew);
      content.push(id.toString('hex'));
      size += chunk.length;
    }
  } finally {
    await handle.close();
  }
  // An empty file was read: it counts as copied.
  if (content.length === 0) copied = true;
  const counters = walk.counters;
  counters.files++;
  counters.bytes += size;
  walk.writer.whenLookedUp(() => {
    if (copied) {
      counters.copiedFiles++;
      counters.copiedBytes += size;
    } else counters.linkedFiles++;
  });
  return { size, content };
}

/**
 * A file's bytes to its end. One that was smaller than `buffer` when looked at is read with one
 * read into it (a short read of a regular file is its end); should it fill the buffer (the file
 * grew meanwhile), the rest is streamed after it. A larger one is streamed. The chunker copies
 * what it keeps of a piece before it asks for the next, so the buffer is free once the file is done.
 */
async function* fileBytes(handle: fsp.FileHandle, sizeSeen: number, buffer: Buffer): AsyncGenerator<Buffer> {
  if (sizeSeen >= buffer.length) {
    yield* handle.createReadStream({ autoClose: false });
    return;
  }
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  if (bytesRead < buffer.length) {
    if (bytesRead > 0) yield buffer.subarray(0, bytesRead);
    return;
  }
  yield buffer;
  yield* handle.createReadStream({ autoClose: false, start: buffer.length });
}

/** A file unchanged since the parent snapshot: its content as recorded there, not read. */
function keep(walk: Walk, before: Extract<TreeEntry, { type: 'file' }>): { size: number; content: string[] } {
  walk.writer.chunks.reusedChunks += before.content.length;
  walk.counters.files++;
  walk.counters.bytes += before.size;
  walk.counters.linkedFiles++;
  return { size: before.size, content: before.content };
}

function join(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** What the backup that wrote the snapshot answered. */
export function resultOf(object: SnapshotObject): BackupResult | null {
  if (!object.result) return null;
  return {
    snapshot: object.jobId,
    files: object.totals.files,
    bytes: object.totals.bytes,
    // A snapshot made before policies left nothing out.
    excluded: noneExcluded(),
    ...object.result,
  };
}
