import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../testing/migrated-database.js';
import { catalogBlobIndex } from './catalog-blob-index.js';
import { BLOB_PAGE, type CatalogPrunePack, pruneCatalog } from './prune-catalog.js';

const database = useMigratedDatabase();

const REPOSITORY = 'c3'.repeat(32);

/** A blob id made from a label: 32 bytes, as the engine's are. */
const blob = (label: string) => createHash('sha256').update(label).digest();

describe('the prune catalog', () => {
  it(`reads a pack of more than ${BLOB_PAGE} blobs whole, each once, and yields the packs in parts of about ${BLOB_PAGE} blobs`, async () => {
    const index = catalogBlobIndex(database.db, REPOSITORY);
    // Pack names in order a < b < c; a and c small, b more than one read of blobs.
    const sizes = { 'data/aa/small-first': 3, 'data/bb/large': BLOB_PAGE + 7, 'data/cc/small-last': 2 };
    const recorded = new Map<string, { id: string; offset: number; length: number }[]>();
    for (const [pack, count] of Object.entries(sizes)) {
      const blobs = Array.from({ length: count }, (_, i) => ({
        id: blob(`${pack} ${i}`),
        offset: i * 300,
        length: 200 + (i % 50),
      }));
      await index.record({ pack, kind: 'data', size: count * 300, blobs });
      recorded.set(
        pack,
        blobs.map(({ id, offset, length }) => ({ id: id.toString('hex'), offset, length })),
      );
    }
    const catalog = pruneCatalog(database.db, REPOSITORY);
    const parts: CatalogPrunePack[][] = [];
    for await (const part of catalog.packs(await catalog.horizon())) parts.push(part);

    // The large pack ends the first part; the last small pack is in a part of its own.
    expect(parts.map((part) => part.map(({ pack }) => pack))).toEqual([
      ['data/aa/small-first', 'data/bb/large'],
      ['data/cc/small-last'],
    ]);
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    for (const pack of parts.flat()) {
      expect(pack).toMatchObject({
        kind: 'data',
        state: 'live',
        size: sizes[pack.pack as keyof typeof sizes] * 300,
      });
      const read = pack.blobs.map(({ id, offset, length }) => ({ id: id.toString('hex'), offset, length }));
      expect(read).toHaveLength(sizes[pack.pack as keyof typeof sizes]);
      expect(read.sort(byId)).toEqual([...recorded.get(pack.pack)!].sort(byId));
    }
  });
});
