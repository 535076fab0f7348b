import { Readable } from 'node:stream';
import { noSuchPath, notADirectory, notAFile, oneSided, pairChange, type Side } from '../contents.js';
import type { ContentChange, ContentEntry, SnapshotFile } from '../repository/repository.js';
import type { BlobReader } from './object-index.js';
import { treeEntries } from './object-read.js';
import { damaged } from './seal.js';
import { compareNames, type TreeEntry } from './tree.js';

/** A snapshot's root tree, and the name the errors give it. */
export interface SnapshotRoot {
  snapshot: string;
  tree: string;
}

/**
 * The entries of the directory at `dirPath` ("" for the root): the trees on the way to it, and its
 * own, read and authenticated one after another; nothing else is read.
 */
export async function directoryEntries(
  reader: BlobReader,
  root: SnapshotRoot,
  dirPath: string,
): Promise<TreeEntry[]> {
  let entries = await treeEntries(reader, Buffer.from(root.tree, 'hex'), '');
  if (dirPath === '') return entries;
  const segments = dirPath.split('/');
  for (const [index, segment] of segments.entries()) {
    const entry = entries.find(({ name }) => name === segment);
    if (!entry) throw noSuchPath(root.snapshot, dirPath);
    if (entry.type !== 'dir') {
      throw index === segments.length - 1
        ? notADirectory(root.snapshot, dirPath)
        : noSuchPath(root.snapshot, dirPath);
    }
    entries = await treeEntries(
      reader,
      Buffer.from(entry.subtree, 'hex'),
      segments.slice(0, index + 1).join('/'),
    );
  }
  return entries;
}

export function contentEntry(entry: TreeEntry): ContentEntry {
  const { name, type, mode, mtime } = entry;
  if (entry.type === 'file') return { name, type, size: entry.size, mode, mtime };
  if (entry.type === 'dir') return { name, type, size: 0, mode, mtime };
  return { name, type, size: Buffer.byteLength(entry.target), mode, mtime, target: entry.target };
}

/**
 * A file's bytes: its data blobs read one at a time, in order, each authenticated before it is
 * passed on, and the next read only when the consumer wants more (one plaintext in memory at a
 * time, at most the chunker's maximum). A total other than the tree's size is damage.
 */
export async function openObjectFile(
  reader: BlobReader,
  root: SnapshotRoot,
  filePath: string,
): Promise<SnapshotFile> {
  const slash = filePath.lastIndexOf('/');
  const parent = slash < 0 ? '' : filePath.slice(0, slash);
  const name = filePath.slice(slash + 1);
  const entries = await directoryEntries(reader, root, parent).catch((error: unknown) => {
    // A file's parent that is a file: the path is not there.
    if (error instanceof Error && (error as { code?: unknown }).code === 'NOT_A_DIRECTORY') {
      throw noSuchPath(root.snapshot, filePath);
    }
    throw error;
  });
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw noSuchPath(root.snapshot, filePath);
  if (entry.type !== 'file') throw notAFile(root.snapshot, filePath, entry.type);
  const { size, mode, mtime, content } = entry;
  async function* blobs(): AsyncGenerator<Buffer> {
    let read = 0;
    for (const hex of content) {
      const plaintext = await reader.read('data', Buffer.from(hex, 'hex'));
      read += plaintext.length;
      if (read > size) break;
      yield plaintext;
    }
    if (read !== size)
      throw damaged(`${filePath} of snapshot ${root.snapshot} has ${read} bytes, not ${size}`);
  }
  return { size, mode, mtime, stream: Readable.from(blobs(), { objectMode: false, highWaterMark: 1 }) };
}

/**
 * Two snapshots' trees walked together, directory by directory: a subtree whose id is the same in
 * both is the same directory, and is skipped unread; files are compared by their chunk lists.
 */
export async function* diffTrees(
  reader: BlobReader,
  from: string | null,
  to: string | null,
  rel: string,
): AsyncGenerator<ContentChange> {
  if (from === to) return;
  const before = from === null ? [] : await treeEntries(reader, Buffer.from(from, 'hex'), rel);
  const after = to === null ? [] : await treeEntries(reader, Buffer.from(to, 'hex'), rel);
  let i = 0;
  let j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i];
    const b = after[j];
    const order = a === undefined ? 1 : b === undefined ? -1 : compareNames(a.name, b.name);
    const path = (a === undefined || order > 0 ? b! : a).name;
    const full = rel === '' ? path : `${rel}/${path}`;
    if (order < 0) {
      yield* whole(reader, a!, full, 'removed');
      i++;
    } else if (order > 0) {
      yield* whole(reader, b!, full, 'added');
      j++;
    } else {
      if (a!.type === 'dir' && b!.type === 'dir') {
        yield* diffTrees(reader, a!.subtree, b!.subtree, full);
      } else if (a!.type === 'dir' || b!.type === 'dir') {
        // Both at the path first, then what the directory holds: walk order, as the local tree's.
        yield oneSided(full, 'removed', side(a!));
        yield oneSided(full, 'added', side(b!));
        if (a!.type === 'dir') yield* diffTrees(reader, a!.subtree, null, full);
        if (b!.type === 'dir') yield* diffTrees(reader, null, b!.subtree, full);
      } else {
        yield* pairChange(full, side(a!), side(b!), sameContent(a!, b!));
      }
      i++;
      j++;
    }
  }
}

/** An entry added or removed, and when it is a directory, everything in it. */
async function* whole(
  reader: BlobReader,
  entry: TreeEntry,
  path: string,
  change: 'added' | 'removed',
): AsyncGenerator<ContentChange> {
  yield oneSided(path, change, side(entry));
  if (entry.type !== 'dir') return;
  yield* change === 'added'
    ? diffTrees(reader, null, entry.subtree, path)
    : diffTrees(reader, entry.subtree, null, path);
}

function side(entry: TreeEntry): Side {
  return { type: entry.type, size: contentEntry(entry).size, mode: entry.mode };
}

function sameContent(a: TreeEntry, b: TreeEntry): boolean {
  if (a.type === 'file' && b.type === 'file') {
    return (
      a.size === b.size &&
      a.content.length === b.content.length &&
      a.content.every((hex, k) => hex === b.content[k])
    );
  }
  if (a.type === 'symlink' && b.type === 'symlink') return a.target === b.target;
  return false;
}
