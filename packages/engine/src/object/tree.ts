import { MAX_NAME_BYTES } from '@strongbox/contract';
import { z } from 'zod';
import { blobId } from './blob.js';
import { ID_LENGTH, MAX_BLOB_SIZE, TREE_PART_TARGET } from './format.js';
import { parseObject } from './json.js';
import { damaged } from './seal.js';

const hexId = z
  .string()
  .regex(new RegExp(`^[0-9a-f]{${2 * ID_LENGTH}}$`), 'a blob id: 64 lowercase hex digits');
const decimal = z.string().regex(/^(0|-?[1-9][0-9]*)$/, 'a decimal integer');

const nameSchema = z
  .string()
  .min(1)
  .refine((name) => name !== '.' && name !== '..', 'not "." or ".."')
  .refine((name) => !/[/\0]/.test(name), 'no "/" or NUL')
  .refine((name) => !/\p{Surrogate}/u.test(name), 'well-formed UTF-16: no lone surrogate')
  .refine((name) => Buffer.byteLength(name) <= MAX_NAME_BYTES, `at most ${MAX_NAME_BYTES} bytes`);

const common = {
  name: nameSchema,
  /** The permission bits (st_mode & 0o7777). */
  mode: z.number().int().min(0).max(0o7777),
  /** Nanoseconds since the epoch, in decimal: a number would lose precision. */
  mtime: decimal,
};

const entrySchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...common,
    type: z.literal('file'),
    size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** The inode number when the file was read, in decimal: what tells a later backup it is unchanged. */
    inode: decimal,
    /** The data blobs whose plaintexts, one after another, are the file's bytes. */
    content: z.array(hexId),
  }),
  z.strictObject({ ...common, type: z.literal('dir'), subtree: hexId }),
  z.strictObject({ ...common, type: z.literal('symlink'), target: z.string().min(1) }),
]);

const partSchema = z.strictObject({ entries: z.array(entrySchema), next: hexId.optional() });

export type TreeEntry = z.infer<typeof entrySchema>;
/** One tree blob: a directory's entries, or a run of them followed by the part that continues them. */
export type TreePart = z.infer<typeof partSchema>;

export interface EncodedTree {
  /** The id of the first part: the directory's tree id. */
  id: Buffer;
  /** The tree blobs to store, first part first. */
  parts: { id: Buffer; plaintext: Buffer }[];
}

export interface TreeOptions {
  /** A part ends before the entry that would take it past this many bytes. @defaultValue TREE_PART_TARGET */
  partTarget?: number;
}

/** Orders names by their UTF-8 bytes (which is code point order), as trees list them. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * A directory as tree blobs: its entries sorted by name, as canonical JSON (keys in a fixed order,
 * no spaces), so that an unchanged directory is the same blob and is stored once. A directory
 * whose JSON would pass `partTarget` bytes is split into parts, each naming the next.
 */
export function encodeTree(
  idKey: Buffer,
  entries: readonly TreeEntry[],
  options: TreeOptions = {},
): EncodedTree {
  const target = options.partTarget ?? TREE_PART_TARGET;
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  for (let index = 1; index < sorted.length; index++) {
    if (sorted[index - 1]!.name === sorted[index]!.name)
      throw new RangeError(`two entries named ${sorted[index]!.name}`);
  }
  const runs: string[][] = [[]];
  let runBytes = 0;
  for (const entry of sorted) {
    const json = JSON.stringify(canonical(entry));
    const run = runs.at(-1)!;
    if (run.length > 0 && runBytes + json.length + 1 > target) {
      runs.push([json]);
      runBytes = json.length;
    } else {
      run.push(json);
      runBytes += json.length + 1;
    }
  }
  // The last part first: each part names the one after it, so that one's id must be known.
  const parts: { id: Buffer; plaintext: Buffer }[] = [];
  let next: string | undefined;
  for (const run of runs.reverse()) {
    const tail = next === undefined ? '' : `,"next":"${next}"`;
    const plaintext = Buffer.from(`{"entries":[${run.join(',')}]${tail}}`);
    if (plaintext.length > MAX_BLOB_SIZE)
      throw new RangeError(`a tree part of ${plaintext.length} bytes is too large`);
    const id = blobId(idKey, plaintext);
    parts.unshift({ id, plaintext });
    next = id.toString('hex');
  }
  return { id: parts[0]!.id, parts };
}

/**
 * One tree blob's plaintext, checked: its entries valid and in strictly increasing name order.
 * (That a `next` part's names all come after these is for whoever follows it to check.)
 */
export function decodeTree(plaintext: Buffer, what: string): TreePart {
  const part = parseObject(partSchema, plaintext, what);
  for (let index = 1; index < part.entries.length; index++) {
    if (compareNames(part.entries[index - 1]!.name, part.entries[index]!.name) >= 0) {
      throw damaged(`${what} lists ${JSON.stringify(part.entries[index]!.name)} out of order`);
    }
  }
  return part;
}

/** The entry with its keys in the order the format gives them. */
function canonical(entry: TreeEntry): TreeEntry {
  const { name, mode, mtime } = entry;
  if (entry.type === 'file') {
    return { name, type: 'file', mode, mtime, size: entry.size, inode: entry.inode, content: entry.content };
  }
  if (entry.type === 'dir') return { name, type: 'dir', mode, mtime, subtree: entry.subtree };
  return { name, type: 'symlink', mode, mtime, target: entry.target };
}
