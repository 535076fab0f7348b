import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../testing/migrated-database.js';
import { catalogBlobIndex } from './catalog-blob-index.js';

const database = useMigratedDatabase({ connectionLimit: 8 });

const REPOSITORY = 'a1'.repeat(32);
const OTHER = 'b2'.repeat(32);

/** A blob id made from a label: 32 bytes, as the engine's are. */
const blob = (label: string) => createHash('sha256').update(label).digest();
const packName = (label: string) =>
  `data/${blob(label).toString('hex').slice(0, 2)}/${blob(label).toString('hex')}`;

describe('catalog blob index', () => {
  it('answers which of 2500 ids it holds, in three questions of at most 1000, and where a blob is', async () => {
    const index = catalogBlobIndex(database.db, REPOSITORY);
    const pack = packName('batched');
    const held = Array.from({ length: 1200 }, (_, i) => blob(`batched ${i}`));
    await index.record({
      pack,
      kind: 'data',
      size: 1_000_000,
      blobs: held.map((id, i) => ({ id, offset: i * 100, length: 100 })),
    });
    const asked = [...held, ...Array.from({ length: 1300 }, (_, i) => blob(`absent ${i}`))];
    const queries: string[] = [];
    const counting = new Proxy(database.db, {
      get(target, key, receiver) {
        if (key === 'query')
          return (sql: string, values: Parameters<typeof target.query>[1]) => {
            queries.push(sql);
            return target.query(sql, values);
          };
        return Reflect.get(target, key, receiver);
      },
    });
    const found = await catalogBlobIndex(counting, REPOSITORY).existing(asked);
    expect(queries).toHaveLength(3);
    expect([...found].sort()).toEqual(held.map((id) => id.toString('hex')).sort());
    expect(await index.place(held[7]!)).toEqual({ kind: 'data', pack, offset: 700, length: 100 });
    expect(await index.place(blob('absent 7'))).toBeNull();
  });

  it('records a pack twice, and the same blob in two packs, without error; the first pack keeps the blob', async () => {
    const index = catalogBlobIndex(database.db, REPOSITORY);
    const id = blob('twice');
    const first = packName('twice first');
    const second = packName('twice second');
    await index.record({ pack: first, kind: 'data', size: 300, blobs: [{ id, offset: 0, length: 200 }] });
    await index.record({ pack: first, kind: 'data', size: 300, blobs: [{ id, offset: 0, length: 200 }] });
    await index.record({ pack: second, kind: 'data', size: 400, blobs: [{ id, offset: 10, length: 200 }] });
    expect(await index.place(id)).toEqual({ kind: 'data', pack: first, offset: 0, length: 200 });
    expect(await index.unrecorded([first, second, packName('twice never')])).toEqual(
      new Set([packName('twice never')]),
    );
  });

  it('takes 8 writers recording packs that share the same blobs at once: no error, one row a blob', async () => {
    const index = catalogBlobIndex(database.db, REPOSITORY);
    const shared = Array.from({ length: 300 }, (_, i) => blob(`race ${i}`));
    await Promise.all(
      Array.from({ length: 8 }, (_, writer) =>
        index.record({
          pack: packName(`race pack ${writer}`),
          kind: 'data',
          size: 50_000,
          // Each writer in its own order, as chunks arrive.
          blobs: (writer % 2 === 0 ? shared : [...shared].reverse()).map((id, i) => ({
            id,
            offset: i * 10,
            length: 10,
          })),
        }),
      ),
    );
    const [rows] = await database.db.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT pack) AS packs FROM repository_blob WHERE id IN (?)',
      [shared],
    );
    expect(rows[0]).toMatchObject({ n: 300 });
    expect(Number(rows[0]?.packs)).toBeLessThanOrEqual(8);
    expect(await index.existing(shared)).toEqual(new Set(shared.map((id) => id.toString('hex'))));
    expect(
      await index.unrecorded(Array.from({ length: 8 }, (_, writer) => packName(`race pack ${writer}`))),
    ).toEqual(new Set());
  });

  it('keeps two repositories apart: a blob of one is not in the other', async () => {
    const one = catalogBlobIndex(database.db, REPOSITORY);
    const other = catalogBlobIndex(database.db, OTHER);
    const id = blob('apart');
    const pack = packName('apart');
    await one.record({ pack, kind: 'tree', size: 99, blobs: [{ id, offset: 0, length: 50 }] });
    expect(await other.existing([id])).toEqual(new Set());
    expect(await other.place(id)).toBeNull();
    expect(await other.unrecorded([pack])).toEqual(new Set([pack]));
    expect(await one.place(id)).toEqual({ kind: 'tree', pack, offset: 0, length: 50 });
  });

  it('refuses a repository id that is not 64 hex digits before it asks anything', () => {
    expect(() => catalogBlobIndex(database.db, 'not-an-id')).toThrow(
      new RangeError('a repository id is 64 hex digits: got "not-an-id"'),
    );
  });
});
