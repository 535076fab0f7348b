import { EMPTY_POLICY, type FolderPolicy, folderPolicySchema } from '@strongbox/contract';
import type { RowDataPacket } from 'mysql2/promise';
import { type Db, type DbConnection, inTransaction } from '../connection.js';
import { recordPolicySet } from '../folders/folder-summary.js';

/** A folder's stored policy and when it was last set. */
export interface StoredPolicy {
  policy: FolderPolicy;
  updatedAt: Date;
}

/** The policy stored for `folder`, or null when it has none. */
export async function getFolderPolicy(
  db: Db | DbConnection,
  folder: string,
  forUpdate = false,
): Promise<StoredPolicy | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT policy, updated_at FROM folder_policy WHERE folder_key = SHA2(?, 256)${forUpdate ? ' FOR UPDATE' : ''}`,
    [folder],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    policy: folderPolicySchema.parse(JSON.parse(String(row.policy))),
    updatedAt: row.updated_at as Date,
  };
}

/** Stores `policy` as the whole policy of `folder`, replacing any it had. */
export async function putFolderPolicy(db: Db, folder: string, policy: FolderPolicy): Promise<StoredPolicy> {
  return changeFolderPolicy(db, folder, () => policy);
}

/**
 * Stores the policy `change` makes of the folder's current one (the empty policy when it has none),
 * read and written in one transaction with the row locked, so that two concurrent changes both
 * count. The policy is checked by the contract's schema: a refused one changes nothing. The folder
 * is noted as having a policy in its summary, so GET /folders lists it.
 */
export async function changeFolderPolicy(
  db: Db,
  folder: string,
  change: (current: FolderPolicy) => FolderPolicy,
): Promise<StoredPolicy> {
  await inTransaction(db, async (tx) => {
    const current = await getFolderPolicy(tx, folder, true);
    const json = JSON.stringify(folderPolicySchema.parse(change(current?.policy ?? EMPTY_POLICY)));
    await tx.execute(
      `INSERT INTO folder_policy (folder_key, folder, policy, updated_at)
         VALUES (SHA2(?, 256), ?, ?, UTC_TIMESTAMP(3))
       ON DUPLICATE KEY UPDATE policy = VALUES(policy), updated_at = VALUES(updated_at)`,
      [folder, folder, json],
    );
    await recordPolicySet(tx, folder);
  });
  const stored = await getFolderPolicy(db, folder);
  if (!stored) throw new Error(`The policy of ${JSON.stringify(folder)} was written but cannot be read back`);
  return stored;
}
