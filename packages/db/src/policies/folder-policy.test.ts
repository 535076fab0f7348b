import type { FolderPolicy } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../testing/migrated-database.js';
import { getFolderPolicy, putFolderPolicy } from './folder-policy.js';

const database = useMigratedDatabase();

const policy: FolderPolicy = {
  exclude: ['*.tmp', '!keep.tmp'],
  excludeIfPresent: ['.nobackup'],
  maxFileSize: 1024,
  retention: { keepLast: 2, keepDaily: 7 },
};

describe('folder policy rows', () => {
  it('answers null for a folder that has no policy', async () => {
    expect(await getFolderPolicy(database.db, 'never/set')).toBeNull();
  });

  it('reads back the policy it stored, one row per folder, the second put replacing the first', async () => {
    const first = await putFolderPolicy(database.db, 'photos/2024', policy);
    expect(first.policy).toEqual(policy);
    const second = await putFolderPolicy(database.db, 'photos/2024', {
      ...policy,
      exclude: [],
      retention: null,
    });
    expect(second.policy).toEqual({ ...policy, exclude: [], retention: null });
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    const [rows] = await database.db.execute<RowDataPacket[]>(
      'SELECT folder, policy FROM folder_policy WHERE folder = ?',
      ['photos/2024'],
    );
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.policy)).toEqual({ ...policy, exclude: [], retention: null });
    expect(await getFolderPolicy(database.db, 'photos')).toBeNull();
  });

  it('refuses a policy the contract refuses and stores nothing', async () => {
    const bad = { ...policy, maxFileSize: -1 } as FolderPolicy;
    await expect(putFolderPolicy(database.db, 'bad', bad)).rejects.toThrow();
    expect(await getFolderPolicy(database.db, 'bad')).toBeNull();
  });
});
