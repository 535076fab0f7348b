import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { ProgressThrottle } from '../progress.js';
import type { ReadRequest } from '../repository/repository.js';
import type { BlobPlace } from './blob-index.js';
import { type BlobReader, snapshotCorrupt } from './object-index.js';
import type { OpenRepository } from './open-repository.js';
import { type PlacedBlob, readPacked } from './pack-reads.js';
import type { SnapshotObject } from './snapshot-object.js';
import { decodeTree, type TreeEntry } from './tree.js';

export interface ReadOptions extends ReadRequest {
  /** Where to write what is read (a directory to create); null to read and authenticate only. */
  write: string | null;
  /** Only this path of the snapshot (segments); all of it when empty or absent. */
  selected?: string[];
}

interface Reading {
  repo: OpenRepository;
  reader: BlobReader;
  options: ReadOptions;
  files: number;
  bytes: number;
  /** Files and directories that failed authentication. */
  corrupt: string[];
  progress: ProgressThrottle;
}

/**
 * Reads a snapshot's trees and the blobs of its files, every one authenticated (decodeBlob, the
 * tree checks) before its bytes are used; with `write`, writes them below it. Whatever fails
 * authentication is collected, and the read ends in SNAPSHOT_CORRUPT naming those paths.
 */
export async function readSnapshotTree(
  repo: OpenRepository,
  snapshot: SnapshotObject,
  options: ReadOptions,
): Promise<{ files: number; bytes: number }> {
  const reading: Reading = {
    repo,
    reader: repo.blobs.reader(),
    options,
    files: 0,
    bytes: 0,
    corrupt: [],
    progress: new ProgressThrottle(options.onProgress, () => ({
      filesDone: reading.files,
      bytesDone: reading.bytes,
    })),
  };
  await readDirectory(reading, Buffer.from(snapshot.tree, 'hex'), '', options.write, options.selected ?? []);
  if (reading.corrupt.length > 0) throw snapshotCorrupt(snapshot.jobId, reading.corrupt);
  reading.progress.finish();
  return { files: reading.files, bytes: reading.bytes };
}

async function readDirectory(
  reading: Reading,
  treeId: Buffer,
  rel: string,
  dir: string | null,
  selected: string[],
): Promise<boolean> {
  reading.options.signal?.throwIfAborted();
  let entries: TreeEntry[];
  try {
    entries = await treeEntries(reading.reader, treeId, rel);
  } catch (error) {
    if (!isDamage(error)) throw error;
    reading.corrupt.push(rel === '' ? '.' : rel);
    return false;
  }
  if (dir !== null) await fsp.mkdir(dir, { mode: 0o700 });
  const [first, ...rest] = selected;
  const files: FileToRead[] = [];
  const dirs: { entry: Extract<TreeEntry, { type: 'dir' }>; relPath: string; to: string | null }[] = [];
  for (const entry of entries) {
    if (first !== undefined && entry.name !== first) continue;
    const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const to = dir === null ? null : path.join(dir, entry.name);
    if (entry.type === 'dir') {
      dirs.push({ entry, relPath, to });
    } else if (rest.length > 0) {
      // Only the directory on the selected path is read further.
    } else if (entry.type === 'symlink') {
      if (to !== null) await fsp.symlink(entry.target, to);
      reading.files++;
      reading.progress.update();
    } else {
      files.push({ entry, relPath, to, handle: null, size: 0, failed: false });
    }
  }
  // The directory's files together: their blobs read in few range reads, see readFiles.
  await readFiles(reading, files);
  for (const { entry, relPath, to } of dirs) {
    // A directory whose tree failed is not created: nothing to set attributes on.
    if (!(await readDirectory(reading, Buffer.from(entry.subtree, 'hex'), relPath, to, rest))) continue;
    if (to !== null) await setAttributes(to, entry);
    reading.progress.update();
  }
  return true;
}

/** A file being read: where it goes, and how far its writing got. */
interface FileToRead {
  entry: Extract<TreeEntry, { type: 'file' }>;
  relPath: string;
  to: string | null;
  handle: fsp.FileHandle | null;
  size: number;
  failed: boolean;
}

/** One blob of a file, in the file's order; `last` ends the file. */
interface Step {
  file: FileToRead;
  hex: string;
  last: boolean;
}

/**
 * The sealed bytes one window of readFiles holds at most (give or take its last blob): what bounds
 * a read's memory, whatever the files' sizes.
 */
const WINDOW_BYTES = 32 * 1024 * 1024;
/**
 * The blobs one window takes at most: with the gaps a coalesced read may bridge (READ_GAP each),
 * what bounds the bytes read beside the blobs.
 */
const WINDOW_BLOBS = 4096;

/**
 * Reads files' blobs and writes them. The places of all their blobs are looked up first; then the
 * blobs, in the files' order, are taken in windows of at most WINDOW_BYTES sealed bytes, each read
 * with range reads coalesced by pack (readPacked: small files' blobs that share a pack are one
 * read). Each blob is decoded (authenticated) just before its bytes are written, so a window holds
 * sealed bytes and one plaintext at a time. A file with a blob that cannot be read or does not
 * authenticate is collected as corrupt, and none of that blob's bytes are written.
 */
async function readFiles(reading: Reading, files: FileToRead[]): Promise<void> {
  if (files.length === 0) return;
  const places = await reading.reader.places(
    'data',
    files.flatMap(({ entry }) => entry.content),
  );
  let window: Step[] = [];
  let windowBytes = 0;
  try {
    for (const file of files) {
      if (file.entry.content.length === 0) {
        await finishFile(reading, file);
        continue;
      }
      for (const [i, hex] of file.entry.content.entries()) {
        window.push({ file, hex, last: i === file.entry.content.length - 1 });
        const place = places.get(hex);
        if (place && !(place instanceof EngineError)) windowBytes += place.length;
        // A window is read once it is full; the file's later blobs go on in the next one.
        if (windowBytes >= WINDOW_BYTES || window.length >= WINDOW_BLOBS) {
          await readWindow(reading, window, places);
          window = [];
          windowBytes = 0;
        }
      }
    }
    await readWindow(reading, window, places);
  } finally {
    for (const file of files) await file.handle?.close();
  }
}

async function readWindow(
  reading: Reading,
  steps: Step[],
  places: Map<string, BlobPlace | EngineError>,
): Promise<void> {
  reading.options.signal?.throwIfAborted();
  const placed: PlacedBlob[] = [];
  for (const { hex } of steps) {
    const place = places.get(hex);
    if (place && !(place instanceof EngineError)) placed.push({ hex, place });
  }
  const sealed = await readPacked(reading.repo.blobs.store, placed, reading.options.signal);
  for (const { file, hex, last } of steps) {
    if (!file.failed) {
      try {
        const bytes = places.get(hex) instanceof EngineError ? places.get(hex) : sealed.get(hex);
        if (!(bytes instanceof Buffer)) throw bytes;
        const plaintext = await reading.repo.blobs.open('data', Buffer.from(hex, 'hex'), bytes);
        if (file.to !== null) file.handle ??= await fsp.open(file.to, 'wx', 0o600);
        await file.handle?.write(plaintext);
        file.size += plaintext.length;
      } catch (error) {
        if (!isDamage(error)) throw error;
        file.failed = true;
      }
    }
    if (last) await finishFile(reading, file);
  }
}

/** Closes a file whose blobs are all read, checks its size, and sets its attributes. */
async function finishFile(reading: Reading, file: FileToRead): Promise<void> {
  const { entry, relPath, to } = file;
  if (to !== null && file.handle === null && !file.failed) file.handle = await fsp.open(to, 'wx', 0o600);
  await file.handle?.close();
  file.handle = null;
  if (file.failed || file.size !== entry.size) {
    // A size other than the tree's is damage too: the blobs authenticate but are not this file's.
    reading.corrupt.push(relPath);
    return;
  }
  reading.files++;
  reading.bytes += file.size;
  if (to !== null) await setAttributes(to, entry);
  reading.progress.update();
}

/** A directory's entries: the tree blob and the parts that continue it, each authenticated. */
export async function treeEntries(reader: BlobReader, treeId: Buffer, rel: string): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  let id: Buffer | undefined = treeId;
  while (id) {
    const part = decodeTree(await reader.read('tree', id), `the tree of ${rel === '' ? '.' : rel}`);
    entries.push(...part.entries);
    id = part.next === undefined ? undefined : Buffer.from(part.next, 'hex');
  }
  return entries;
}

async function setAttributes(to: string, entry: TreeEntry): Promise<void> {
  await fsp.chmod(to, entry.mode);
  const seconds = Number(BigInt(entry.mtime)) / 1e9;
  await fsp.utimes(to, seconds, seconds);
}

function isDamage(error: unknown): boolean {
  return error instanceof EngineError && error.code === 'REPOSITORY_DAMAGED';
}
