import {
  type AppliedPolicy,
  EMPTY_POLICY,
  type FolderPolicy,
  RECORDED_EXCLUDE_BYTES,
} from '@strongbox/contract';
import { type Db, getFolderPolicy } from '@strongbox/db';

/** A folder's policy as one backup applies it, and as its result records it. */
export interface BackupPolicy {
  /** Whole: the backup's filter and the retention after it use this. */
  policy: FolderPolicy;
  /** `result.policy`: the same, with when it was set and at most RECORDED_EXCLUDE_BYTES of exclude lines. */
  record: AppliedPolicy;
}

/**
 * The policy of `folder`, read once when a backup starts: the stored one, or the empty policy
 * (nothing left out, the deployment's retention) when the folder has none.
 */
export async function readBackupPolicy(db: Db, folder: string): Promise<BackupPolicy> {
  const stored = await getFolderPolicy(db, folder);
  const policy = stored?.policy ?? EMPTY_POLICY;
  let budget = RECORDED_EXCLUDE_BYTES;
  let recorded = 0;
  for (const line of policy.exclude) {
    budget -= Buffer.byteLength(line) + 1;
    if (budget < 0) break;
    recorded++;
  }
  return {
    policy,
    record: {
      ...policy,
      exclude: policy.exclude.slice(0, recorded),
      excludeOmitted: policy.exclude.length - recorded,
      updatedAt: stored ? stored.updatedAt.toISOString() : null,
    },
  };
}
