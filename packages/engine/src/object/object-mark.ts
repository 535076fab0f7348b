import type { BlobKind } from './blob.js';
import type { ObjectEntry } from './object-store.js';
import type { OpenRepository } from './open-repository.js';
import { readPackHeader } from './pack.js';
import type { SnapshotObject } from './snapshot-object.js';
import { decodeTree } from './tree.js';

/**
 * The mark phase of a prune, read-only: the ids (hex) of every blob that one of `snapshots`
 * references, each tree walked once however many snapshots share it (the tree blobs, every part of
 * a split tree, and the data blobs of their files). A tree that cannot be read is REPOSITORY_DAMAGED
 * and the mark stops: what it would have referenced is unknown, so nothing may be called garbage.
 */
export async function markReferenced(
  repo: OpenRepository,
  snapshots: readonly SnapshotObject[],
): Promise<Set<string>> {
  const marked = new Set<string>();
  const reader = repo.blobs.reader();
  const pending = snapshots.map((snapshot) => snapshot.tree);
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    if (marked.has(id)) continue;
    marked.add(id);
    const part = decodeTree(await reader.read('tree', Buffer.from(id, 'hex')), `tree blob ${id}`);
    if (part.next !== undefined) pending.push(part.next);
    for (const entry of part.entries) {
      if (entry.type === 'dir') pending.push(entry.subtree);
      else if (entry.type === 'file') for (const blob of entry.content) marked.add(blob);
    }
  }
  return marked;
}

/**
 * The packs in the store that hold no blob of `marked`: each pack's header is read again from the
 * store (two ranged reads), so a pack counts by what it holds, whichever copy of a blob stored
 * twice the index happens to know. Sorted by name.
 */
export async function packsOutside(
  repo: OpenRepository,
  marked: ReadonlySet<string>,
): Promise<ObjectEntry[]> {
  const outside: ObjectEntry[] = [];
  for (const kind of ['data', 'tree'] as const) {
    for await (const pack of repo.store.list(`${kind}/`)) {
      const ids = await packBlobIds(repo, kind, pack);
      if (!ids.some((id) => marked.has(id))) outside.push(pack);
    }
  }
  return outside.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function packBlobIds(
  repo: OpenRepository,
  kind: BlobKind,
  { name, size }: ObjectEntry,
): Promise<string[]> {
  return (await readPackHeader(repo.store, repo.keys.data, kind, name, size)).map((record) =>
    record.id.toString('hex'),
  );
}
