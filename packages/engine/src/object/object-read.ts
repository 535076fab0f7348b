import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';
import { ProgressThrottle } from '../progress.js';
import type { ReadRequest } from '../repository/repository.js';
import { type BlobReader, snapshotCorrupt } from './object-index.js';
import type { OpenRepository } from './object-repository.js';
import type { SnapshotObject } from './snapshot-object.js';
import { decodeTree, type TreeEntry } from './tree.js';

export interface ReadOptions extends ReadRequest {
  /** Where to write what is read (a directory to create); null to read and authenticate only. */
  write: string | null;
  /** Only this path of the snapshot (segments); all of it when empty or absent. */
  selected?: string[];
}

interface Reading {
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
  for (const entry of entries) {
    if (first !== undefined && entry.name !== first) continue;
    const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const to = dir === null ? null : path.join(dir, entry.name);
    if (entry.type === 'dir') {
      // A directory whose tree failed is not created: nothing to set attributes on.
      if (!(await readDirectory(reading, Buffer.from(entry.subtree, 'hex'), relPath, to, rest))) continue;
    } else if (rest.length > 0) {
      continue;
    } else if (entry.type === 'symlink') {
      if (to !== null) await fsp.symlink(entry.target, to);
      reading.files++;
    } else {
      await readFile(reading, entry, relPath, to);
    }
    if (to !== null && entry.type !== 'symlink') await setAttributes(to, entry);
    reading.progress.update();
  }
  return true;
}

/** A file's blobs in order, each decoded before its bytes are written. */
async function readFile(
  reading: Reading,
  entry: Extract<TreeEntry, { type: 'file' }>,
  relPath: string,
  to: string | null,
): Promise<void> {
  const handle = to === null ? null : await fsp.open(to, 'wx', 0o600);
  let size = 0;
  try {
    for (const id of entry.content) {
      const plaintext = await reading.reader.read('data', Buffer.from(id, 'hex'));
      await handle?.write(plaintext);
      size += plaintext.length;
    }
    if (size !== entry.size) {
      throw new EngineError(
        'REPOSITORY_DAMAGED',
        `${relPath} has ${size} bytes, its tree says ${entry.size}`,
      );
    }
  } catch (error) {
    if (!isDamage(error)) throw error;
    reading.corrupt.push(relPath);
    return;
  } finally {
    await handle?.close();
  }
  reading.files++;
  reading.bytes += size;
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
