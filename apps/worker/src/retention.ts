import type { Config } from '@strongbox/config';
import { type Db, markPruned } from '@strongbox/db';
import type { Logger } from 'pino';
import { repositoryOf } from './repository.js';

/** What retention needs of the worker's settings. */
export interface RetentionDeps {
  config: Pick<Config, 'repository' | 'retention'>;
  db: Db;
}

/**
 * Deletes the folder's snapshots that the retention policy no longer keeps and marks their jobs
 * pruned. Runs under the folder's lock; a failure here is logged and never fails the backup.
 */
export async function applyRetentionAfter(deps: RetentionDeps, folder: string, log: Logger): Promise<void> {
  const { keepLast, keepDaily } = deps.config.retention;
  if (keepLast === 0 && keepDaily === 0) return;
  try {
    const { pruned } = await repositoryOf(deps.config, deps.db).forget(folder, { keepLast, keepDaily });
    const marked = await markPruned(deps.db, pruned);
    if (pruned.length > 0) log.info({ folder, pruned, marked }, 'retention pruned old snapshots');
  } catch (error) {
    log.error({ err: error, folder }, 'retention failed; old snapshots are kept');
  }
}
