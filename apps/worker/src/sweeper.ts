import type { Config } from '@strongbox/config';
import { type Db, unreferencedSnapshots } from '@strongbox/db';
import type { Logger } from 'pino';
import { tryLockFolder } from './folder-lock.js';
import { every, type Periodic } from './periodic.js';
import { repositoryOf } from './repository.js';

/** Options for {@link sweepBackupFolder}. */
export interface SweepDeps {
  config: Pick<Config, 'repository'>;
  db: Db;
  logger: Logger;
}

export interface SweepReport {
  /** Per folder, the names removed from its directory. */
  removed: Record<string, string[]>;
  /** Folders left for later: a backup of theirs held the lock. */
  busy: string[];
}

/**
 * Cleans every folder's directory of the backup folder (the repository's sweep): what dead
 * attempts left, and complete snapshots that MySQL says no job references and no job will
 * (unreferencedSnapshots). Each folder is swept under its folder lock, so never beside a backup of
 * it; a folder whose lock is taken is left for the next pass (its backup sweeps it first anyway).
 */
export async function sweepBackupFolder(deps: SweepDeps): Promise<SweepReport> {
  const report: SweepReport = { removed: {}, busy: [] };
  const repository = repositoryOf(deps.config, deps.db);
  for (const folder of await repository.listFolders()) {
    const lock = await tryLockFolder(deps.db, folder, {}, { log: deps.logger });
    if (!lock) {
      report.busy.push(folder);
      continue;
    }
    try {
      const removed = await repository.sweep(folder, {
        unreferenced: (made) => unreferencedSnapshots(deps.db, made),
      });
      if (removed.length > 0) report.removed[folder] = removed;
    } finally {
      await lock.release();
    }
  }
  if (Object.keys(report.removed).length > 0) {
    deps.logger.info({ removed: report.removed }, 'swept what dead attempts and ended jobs left');
  }
  return report;
}

/** Runs {@link sweepBackupFolder} now and then every `intervalMs`, until the returned stop is called. */
export function startSweeper(deps: SweepDeps & { intervalMs: number }): Periodic {
  return every(deps.intervalMs, () =>
    sweepBackupFolder(deps).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'sweeping the backup folder failed; trying again later'),
    ),
  );
}
