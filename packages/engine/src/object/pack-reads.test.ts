import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { BlobPlace } from './blob-index.js';
import type { ObjectStore } from './object-store.js';
import { ObjectNotFoundError } from './object-store.js';
import { planPackReads, READ_GAP, READ_MAX, readPacked } from './pack-reads.js';

const place = (pack: string, offset: number, length: number): BlobPlace => ({
  kind: 'data',
  pack,
  offset,
  length,
});

/** The plan as [pack, offset, length, blob ids] per read. */
const shown = (reads: ReturnType<typeof planPackReads>) =>
  reads.map(({ pack, offset, length, blobs }) => [pack, offset, length, blobs.map(({ hex }) => hex)]);

describe('planPackReads', () => {
  it('reads adjacent blobs of one pack in one read, in the order of their offsets, each distinct blob once', () => {
    const plan = planPackReads([
      { hex: 'b', place: place('data/p', 100, 50) },
      { hex: 'a', place: place('data/p', 0, 100) },
      { hex: 'c', place: place('data/p', 150, 10) },
      { hex: 'a', place: place('data/p', 0, 100) },
    ]);
    expect(shown(plan)).toEqual([['data/p', 0, 160, ['a', 'b', 'c']]]);
  });

  it(`bridges a gap of up to ${READ_GAP} bytes, and starts a new read after a wider one or in another pack`, () => {
    const plan = planPackReads([
      { hex: 'a', place: place('data/p', 0, 100) },
      { hex: 'b', place: place('data/p', 100 + 4096, 100) },
      { hex: 'c', place: place('data/p', 4296 + 4097, 100) },
      { hex: 'd', place: place('data/q', 0, 100) },
    ]);
    expect(shown(plan)).toEqual([
      ['data/p', 0, 4296, ['a', 'b']],
      ['data/p', 8393, 100, ['c']],
      ['data/q', 0, 100, ['d']],
    ]);
  });

  it(`asks for at most ${READ_MAX} bytes a read, and reads a larger blob alone`, () => {
    const MiB = 1024 * 1024;
    const plan = planPackReads([
      { hex: 'a', place: place('data/p', 0, 3 * MiB) },
      { hex: 'b', place: place('data/p', 3 * MiB, 5 * MiB) },
      { hex: 'c', place: place('data/p', 8 * MiB, 1) },
      { hex: 'd', place: place('data/p', 8 * MiB + 1, 9 * MiB) },
    ]);
    expect(shown(plan)).toEqual([
      ['data/p', 0, 8 * MiB, ['a', 'b']],
      ['data/p', 8 * MiB, 1, ['c']],
      ['data/p', 8 * MiB + 1, 9 * MiB, ['d']],
    ]);
  });
});

describe('readPacked', () => {
  /** A store of one pack of bytes 0..199; reads of `data/gone` find no object. */
  function oneStore(reads: string[]): ObjectStore {
    const bytes = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    return {
      async getRange(name: string, offset: number, length: number) {
        reads.push(`${name} ${offset}+${length}`);
        if (name === 'data/gone') throw new ObjectNotFoundError(name);
        return bytes.subarray(offset, offset + length);
      },
    } as unknown as ObjectStore;
  }

  it("gives each blob its sealed bytes from one coalesced read, and a missing pack's error to its blobs after a read of each", async () => {
    const reads: string[] = [];
    const sealed = await readPacked(oneStore(reads), [
      { hex: 'a', place: place('data/p', 10, 5) },
      { hex: 'b', place: place('data/p', 15, 3) },
      { hex: 'x', place: place('data/gone', 0, 4) },
      { hex: 'y', place: place('data/gone', 4, 4) },
    ]);
    expect(reads.sort()).toEqual(['data/gone 0+4', 'data/gone 0+8', 'data/gone 4+4', 'data/p 10+8']);
    expect([...(sealed.get('a') as Buffer)]).toEqual([10, 11, 12, 13, 14]);
    expect([...(sealed.get('b') as Buffer)]).toEqual([15, 16, 17]);
    for (const hex of ['x', 'y']) {
      expect(sealed.get(hex)).toBeInstanceOf(EngineError);
      expect(sealed.get(hex)).toMatchObject({ code: 'REPOSITORY_DAMAGED', objectName: 'data/gone' });
    }
  });

  it('rejects with the reason of an aborted signal before it reads', async () => {
    const reads: string[] = [];
    const controller = new AbortController();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(
      readPacked(oneStore(reads), [{ hex: 'a', place: place('data/p', 0, 5) }], controller.signal),
    ).rejects.toBe(reason);
    expect(reads).toEqual([]);
  });
});
