import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidObjectNameError, ObjectNotFoundError, type ObjectStore } from './object-store.js';

/** `store`, with each prefix it is asked to list pushed onto `listed`: which operations list the bucket. */
export function listingStore(store: ObjectStore, listed: string[]): ObjectStore {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'list')
        return (prefix: string) => {
          listed.push(prefix);
          return target.list(prefix);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A store for one test, and how to remove it with everything in it. */
export interface ContractStore {
  store: ObjectStore;
  /** Removes the store's objects and itself (its directory, its bucket). */
  remove(): Promise<void>;
}

/**
 * What every {@link ObjectStore} promises, as tests. `makeStore` gives each test a fresh, empty
 * store that lists at most `pageSize` objects a page (where the store pages).
 */
export function objectStoreContract(
  name: string,
  makeStore: (options: { pageSize: number }) => Promise<ContractStore>,
): void {
  describe(`${name}: the object store contract`, () => {
    let current: ContractStore;
    let store: ObjectStore;
    beforeEach(async () => {
      current = await makeStore({ pageSize: 2 });
      store = current.store;
    });
    afterEach(async () => {
      await current.remove();
    });

    it('gets back the bytes put under a name, and head answers their size', async () => {
      const bytes = randomBytes(1000);
      await store.put('data/3f/3f00', bytes);
      expect(await store.get('data/3f/3f00')).toEqual(bytes);
      expect(await store.head('data/3f/3f00')).toBe(1000);
    });

    it('replaces the bytes of a name on a second put', async () => {
      await store.put('config', Buffer.from('first'));
      await store.put('config', Buffer.from('second, longer'));
      expect((await store.get('config')).toString()).toBe('second, longer');
    });

    it('stores an empty object', async () => {
      await store.put('keys/empty', Buffer.alloc(0));
      expect(await store.get('keys/empty')).toEqual(Buffer.alloc(0));
      expect(await store.head('keys/empty')).toBe(0);
    });

    it('reads a range: the bytes asked for, fewer at the end, none past it', async () => {
      await store.put('tree/ab/ab01', Buffer.from('0123456789'));
      expect((await store.getRange('tree/ab/ab01', 2, 3)).toString()).toBe('234');
      expect((await store.getRange('tree/ab/ab01', 0, 10)).toString()).toBe('0123456789');
      expect((await store.getRange('tree/ab/ab01', 8, 5)).toString()).toBe('89');
      expect(await store.getRange('tree/ab/ab01', 10, 5)).toEqual(Buffer.alloc(0));
    });

    it('answers a missing object with ObjectNotFoundError (get, getRange) or undefined (head)', async () => {
      await expect(store.get('snapshots/none')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.get('snapshots/none')).rejects.toMatchObject({
        code: 'REPOSITORY_DAMAGED',
        objectName: 'snapshots/none',
        message: 'Repository damaged: object snapshots/none is missing',
      });
      await expect(store.getRange('data/00/none', 0, 4)).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await store.head('snapshots/none')).toBeUndefined();
    });

    it('lists by prefix over several pages, with sizes', async () => {
      const names = ['data/00/a', 'data/00/b', 'data/01/c', 'data/02/d', 'data/02/e', 'tree/00/f', 'config'];
      for (const [i, objectName] of names.entries()) await store.put(objectName, Buffer.alloc(i + 1));
      expect(await listed(store, 'data/')).toEqual([
        { name: 'data/00/a', size: 1 },
        { name: 'data/00/b', size: 2 },
        { name: 'data/01/c', size: 3 },
        { name: 'data/02/d', size: 4 },
        { name: 'data/02/e', size: 5 },
      ]);
      expect(await listed(store, 'data/02/')).toEqual([
        { name: 'data/02/d', size: 4 },
        { name: 'data/02/e', size: 5 },
      ]);
      expect(await listed(store, 'data/0')).toHaveLength(5);
      expect((await listed(store, '')).map((entry) => entry.name)).toEqual([...names].sort());
      expect(await listed(store, 'snapshots/')).toEqual([]);
    });

    it('deletes an object, and deleting a missing one is not an error', async () => {
      await store.put('snapshots/job-1', Buffer.from('x'));
      await store.delete('snapshots/job-1');
      expect(await store.head('snapshots/job-1')).toBeUndefined();
      await expect(store.get('snapshots/job-1')).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(store.delete('snapshots/job-1')).resolves.toBeUndefined();
      expect(await listed(store, '')).toEqual([]);
    });

    it.each([
      ['', 'it is empty'],
      ['/config', 'it starts with "/"'],
      ['data/../config', 'each "/"-separated part'],
      ['data/./config', 'each "/"-separated part'],
      ['data//x', 'each "/"-separated part'],
      ['data/x/', 'each "/"-separated part'],
      ['.hidden', 'each "/"-separated part'],
      ['data/a b', 'each "/"-separated part'],
      ['data/a\\b', 'each "/"-separated part'],
      ['data/é', 'each "/"-separated part'],
      ['x'.repeat(513), 'it is longer than 512 characters'],
    ])('refuses the name %j before touching the storage', async (bad, reason) => {
      const refusals = [
        store.put(bad, Buffer.from('x')),
        store.putIfAbsent(bad, Buffer.from('x')),
        store.get(bad),
        store.getRange(bad, 0, 1),
        store.head(bad),
        store.delete(bad),
      ];
      for (const refusal of refusals) {
        await expect(refusal).rejects.toBeInstanceOf(InvalidObjectNameError);
        await expect(refusal).rejects.toThrow(reason);
      }
      expect(await listed(store, '')).toEqual([]);
    });

    it.each(['../', '/data/', 'data//', '.tmp'])('refuses to list the prefix %j', async (bad) => {
      await expect(listed(store, bad)).rejects.toBeInstanceOf(InvalidObjectNameError);
    });

    it('writes with putIfAbsent once, and answers "exists" after, keeping the first bytes', async () => {
      expect(await store.putIfAbsent('snapshots/job-2', Buffer.from('first'))).toBe('written');
      expect(await store.putIfAbsent('snapshots/job-2', Buffer.from('second'))).toBe('exists');
      expect((await store.get('snapshots/job-2')).toString()).toBe('first');
    });

    it('lets exactly one of 8 racing putIfAbsent writers win, and keeps its bytes', async () => {
      const writers = Array.from({ length: 8 }, (_, i) => Buffer.from(`writer ${i} `.repeat(1000)));
      const results = await Promise.all(writers.map((bytes) => store.putIfAbsent('snapshots/race', bytes)));
      expect(results.filter((result) => result === 'written')).toHaveLength(1);
      expect(results.filter((result) => result === 'exists')).toHaveLength(7);
      const winner = writers[results.indexOf('written')]!;
      expect(await store.get('snapshots/race')).toEqual(winner);
      expect(await listed(store, '')).toEqual([{ name: 'snapshots/race', size: winner.length }]);
    });
  });
}

/** Everything `list(prefix)` yields, sorted by name. */
export async function listed(store: ObjectStore, prefix: string): Promise<{ name: string; size: number }[]> {
  const entries: { name: string; size: number }[] = [];
  for await (const entry of store.list(prefix)) entries.push(entry);
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
