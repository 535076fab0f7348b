import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdSet } from './id-set.js';

const id = (n: number) => createHash('sha256').update(`blob ${n}`).digest();

describe('IdSet', () => {
  it('holds what was added across many growths, and nothing else', () => {
    const set = new IdSet();
    for (let n = 0; n < 20_000; n++) expect(set.add(id(n))).toBe(true);
    expect(set.size).toBe(20_000);
    for (let n = 0; n < 20_000; n++) expect(set.has(id(n))).toBe(true);
    for (let n = 20_000; n < 25_000; n++) expect(set.has(id(n))).toBe(false);
  });

  it('yields every id it holds exactly once when iterated, after growing', () => {
    const set = new IdSet();
    for (let n = 0; n < 5_000; n++) set.add(id(n));
    set.add(id(7));
    const seen = [...set].map((held) => held.toString('hex')).sort();
    const expected = Array.from({ length: 5_000 }, (_, n) => id(n).toString('hex')).sort();
    expect(seen).toEqual(expected);
  });

  it('answers false to a second add of the same id, and counts it once', () => {
    const set = new IdSet();
    expect(set.add(id(1))).toBe(true);
    expect(set.add(Buffer.from(id(1)))).toBe(false);
    expect(set.size).toBe(1);
  });

  it('keeps ids apart that share their first four bytes (the same first slot)', () => {
    const set = new IdSet();
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 1);
    b[31] = 2;
    set.add(a);
    expect(set.has(b)).toBe(false);
    set.add(b);
    expect([set.has(a), set.has(b), set.size]).toEqual([true, true, 2]);
  });

  it('refuses an id that is not 32 bytes', () => {
    expect(() => new IdSet().add(Buffer.alloc(31))).toThrow('a blob id is 32 bytes: got 31');
  });
});
