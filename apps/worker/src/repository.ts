import type { Config } from '@strongbox/config';
import { LocalTree, type Repository } from '@strongbox/engine';

const repositories = new Map<string, Repository>();

/**
 * Where this worker's snapshots live, picked from its settings: the local tree at BACKUP_FOLDER.
 * Every job, the sweep and retention go through it; one per backup folder, for the process's life.
 */
export function repositoryOf(config: Pick<Config, 'backupFolder'>): Repository {
  let repository = repositories.get(config.backupFolder);
  if (!repository) {
    repository = new LocalTree(config.backupFolder);
    repositories.set(config.backupFolder, repository);
  }
  return repository;
}
