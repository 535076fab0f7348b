import type { BlobKind } from './blob.js';
import { IdSet } from './id-set.js';
import type { ObjectEntry } from './object-store.js';
import type { OpenRepository } from './open-repository.js';
import { readPackHeader } from './pack.js';
import type { SnapshotObject } from './snapshot-object.js';
import { decodeTree } from './tree.js';

/** The blobs that snapshots reference, by kind, as 32-byte ids in {@link IdSet}s. */
export type Marked = Record<BlobKind, IdSet>;

/**
 * The mark phase of a prune, read-only: the ids of every blob that one of `snapshots` references,
 * each tree walked once however many snapshots share it (the tree blobs, every part of a split
 * tree, and the data blobs of their files). The ids are kept as bytes in one Buffer per kind, not
 * as strings: a million blobs take tens of MiB. A tree that cannot be read is REPOSITORY_DAMAGED
 * and the mark stops: what it would have referenced is unknown, so nothing may be called garbage.
 */
export async function markReferenced(
  repo: OpenRepository,
  snapshots: readonly SnapshotObject[],
): Promise<Marked> {
  const marked: Marked = { data: new IdSet(), tree: new IdSet() };
  const reader = repo.blobs.reader();
  const pending = snapshots.map((snapshot) => snapshot.tree);
  for (let hex = pending.pop(); hex !== undefined; hex = pending.pop()) {
    const id = Buffer.from(hex, 'hex');
    if (!marked.tree.add(id)) continue;
    const part = decodeTree(await reader.read('tree', id), `tree blob ${hex}`);
    if (part.next !== undefined) pending.push(part.next);
    for (const entry of part.entries) {
      if (entry.type === 'dir') pending.push(entry.subtree);
      else if (entry.type === 'file')
        for (const blob of entry.content) marked.data.add(Buffer.from(blob, 'hex'));
    }
  }
  return marked;
}

/**
 * The packs in the store that hold no blob of `marked`: each pack's header is read again from the
 * store (two ranged reads), so a pack counts by what it holds, whichever copy of a blob stored
 * twice the index happens to know. Sorted by name.
 */
export async function packsOutside(repo: OpenRepository, marked: Marked): Promise<ObjectEntry[]> {
  const outside: ObjectEntry[] = [];
  for (const kind of ['data', 'tree'] as const) {
    for await (const pack of repo.store.list(`${kind}/`)) {
      const records = await readPackHeader(repo.store, repo.keys.data, kind, pack.name, pack.size);
      if (!records.some(({ id }) => marked[kind].has(id))) outside.push(pack);
    }
  }
  return outside.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
