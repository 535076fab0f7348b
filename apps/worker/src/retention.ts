import type { Config } from '@strongbox/config';
import type { RetentionRules } from '@strongbox/contract';
import { type Db, markPruned } from '@strongbox/db';
import type { Logger } from 'pino';
import { repositoryOf } from './repository.js';

/** What retention needs of the worker's settings. */
export interface RetentionDeps {
  config: Pick<Config, 'repository' | 'retention'>;
  db: Db;
}

/**
 * Deletes the folder's snapshots that the retention rules no longer keep and marks their jobs
 * pruned: the folder policy's rules when it has some (`folderRules`, as the backup read them), else
 * the deployment's RETENTION_KEEP_LAST / RETENTION_KEEP_DAILY. Rules that are all 0 keep everything.
 * Runs under the folder's lock; a failure here is logged and never fails the backup.
 */
export async function applyRetentionAfter(
  deps: RetentionDeps,
  folder: string,
  log: Logger,
  folderRules: RetentionRules | null = null,
): Promise<void> {
  const rules: RetentionRules = folderRules ?? deps.config.retention;
  if (!Object.values(rules).some((n) => n !== undefined && n > 0)) return;
  try {
    const { pruned } = await repositoryOf(deps.config, deps.db).forget(folder, rules);
    const marked = await markPruned(deps.db, pruned);
    if (pruned.length > 0) {
      log.info(
        { folder, rules, by: folderRules ? 'folder policy' : 'deployment default', pruned, marked },
        'retention pruned old snapshots',
      );
    }
  } catch (error) {
    log.error({ err: error, folder }, 'retention failed; old snapshots are kept');
  }
}
