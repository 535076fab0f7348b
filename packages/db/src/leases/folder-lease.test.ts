import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../testing/migrated-database.js';
import { releaseFolderLease, renewFolderLease, takeFolderLease } from './folder-lease.js';

const fixture = useMigratedDatabase();

const MINUTE = { durationMs: 60_000 };
// A lease of no duration has expired as soon as it is taken: the next take steals it, no waiting.
const EXPIRED = { durationMs: 0 };

async function row(folder: string) {
  const [rows] = await fixture.db.query<RowDataPacket[]>(
    'SELECT folder, holder, token, expires_at > UTC_TIMESTAMP(3) AS live FROM folder_lease WHERE folder_key = SHA2(?, 256)',
    [folder],
  );
  return rows.map((r) => ({ folder: r.folder, holder: r.holder, token: Number(r.token), live: r.live }));
}

describe('the folder lease (migration 0012)', () => {
  it('is taken by one holder at a time, with fencing token 1 the first time', async () => {
    expect(await takeFolderLease(fixture.db, 'lease/one', 'a', MINUTE)).toEqual({
      folder: 'lease/one',
      holder: 'a',
      token: 1,
    });
    expect(await takeFolderLease(fixture.db, 'lease/one', 'b', MINUTE)).toBeNull();
    expect(await row('lease/one')).toEqual([{ folder: 'lease/one', holder: 'a', token: 1, live: 1 }]);
  });

  it('is taken again by the same holder, as when the answer to its take was lost, with a new token', async () => {
    expect(await takeFolderLease(fixture.db, 'lease/again', 'a', MINUTE)).toMatchObject({ token: 1 });
    expect(await takeFolderLease(fixture.db, 'lease/again', 'a', MINUTE)).toEqual({
      folder: 'lease/again',
      holder: 'a',
      token: 2,
    });
  });

  it('is renewed by its holder, even after it expired while nobody took it', async () => {
    const lease = (await takeFolderLease(fixture.db, 'lease/renew', 'a', EXPIRED))!;
    expect((await row('lease/renew'))[0]?.live).toBe(0);
    expect(await renewFolderLease(fixture.db, lease, MINUTE)).toBe(true);
    expect(await row('lease/renew')).toEqual([{ folder: 'lease/renew', holder: 'a', token: 1, live: 1 }]);
    expect(await takeFolderLease(fixture.db, 'lease/renew', 'b', MINUTE)).toBeNull();
  });

  it('is stolen once expired, with the next token; the old holder can then neither renew nor release it', async () => {
    const first = (await takeFolderLease(fixture.db, 'lease/steal', 'a', EXPIRED))!;
    const second = await takeFolderLease(fixture.db, 'lease/steal', 'b', MINUTE);
    expect(second).toEqual({ folder: 'lease/steal', holder: 'b', token: 2 });
    // The fence: a renewal asks for the token it was given, and that token is no longer the lease's.
    expect(await renewFolderLease(fixture.db, first, MINUTE)).toBe(false);
    expect(await releaseFolderLease(fixture.db, first)).toBe(false);
    expect(await row('lease/steal')).toEqual([{ folder: 'lease/steal', holder: 'b', token: 2, live: 1 }]);
  });

  it('is free at once when released, and its token goes on growing', async () => {
    const first = (await takeFolderLease(fixture.db, 'lease/release', 'a', MINUTE))!;
    expect(await releaseFolderLease(fixture.db, first)).toBe(true);
    expect(await row('lease/release')).toEqual([
      { folder: 'lease/release', holder: null, token: 1, live: 0 },
    ]);
    expect(await renewFolderLease(fixture.db, first, MINUTE)).toBe(false);
    expect(await takeFolderLease(fixture.db, 'lease/release', 'b', MINUTE)).toEqual({
      folder: 'lease/release',
      holder: 'b',
      token: 2,
    });
  });

  it('of one folder leaves every other folder free', async () => {
    await takeFolderLease(fixture.db, 'lease/x', 'a', MINUTE);
    expect(await takeFolderLease(fixture.db, 'lease/x/y', 'b', MINUTE)).toEqual({
      folder: 'lease/x/y',
      holder: 'b',
      token: 1,
    });
  });
});
