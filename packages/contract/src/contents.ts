import { z } from 'zod';

const count = z.number().int().nonnegative();
const entryType = z
  .enum(['file', 'dir', 'symlink'])
  .describe('a regular file, a directory or a symbolic link');

/** One entry of a directory of a snapshot (GET /backups/{id}/tree). */
export const treeEntrySchema = z.object({
  name: z.string().describe('its name in the directory'),
  type: entryType,
  size: count.describe("a file's bytes; a symlink's target's bytes (UTF-8); 0 for a directory"),
  mode: z.number().int().min(0).max(0o7777).describe('permission bits, e.g. 420 for 0644'),
  mtime: z.iso.datetime().describe('modification time as backed up, to the millisecond'),
  target: z.string().nullable().describe("a symlink's target, as stored (never followed); null otherwise"),
});
export type TreeEntry = z.infer<typeof treeEntrySchema>;

/** A page of one directory of a snapshot, its entries sorted by name. */
export const treePageSchema = z.object({
  path: z.string().describe('the directory listed, relative to the snapshot; "" for its root'),
  items: z.array(treeEntrySchema),
  nextCursor: z.string().nullable(),
});

/** One path that differs between two snapshots (GET /backups/{id}/diff/{otherId}). */
export const changeSchema = z.object({
  path: z.string().describe('relative to the snapshot'),
  change: z.enum(['added', 'removed', 'changed']),
  type: entryType.describe('its type in the second snapshot; in the first when removed'),
  size: count.describe('its size in the second snapshot; in the first when removed'),
  previousSize: count.nullable().describe('its size in the first snapshot when changed; null otherwise'),
});
export type Change = z.infer<typeof changeSchema>;

/** A page of the differences between two snapshots of one folder, in walk order. */
export const diffPageSchema = z.object({
  folder: z.string().describe('the folder both backups are of'),
  from: z.string().describe('the first backup (its id, as in the URL)'),
  to: z.string().describe('the second backup'),
  items: z.array(changeSchema),
  nextCursor: z.string().nullable(),
});
