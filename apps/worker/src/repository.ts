import type { Config } from '@strongbox/config';
import { catalogBlobIndex, type Db } from '@strongbox/db';
import { type DeploymentRepository, repositoryFromConfig } from '@strongbox/storage';

const repositories = new WeakMap<Config['repository'], DeploymentRepository>();

/**
 * Where this worker's snapshots live, as its settings say (REPOSITORY_URL, else the local tree at
 * BACKUP_FOLDER). Every job, the sweep and retention go through it: one per loaded configuration,
 * for the process's life. The object repository's blob index is the catalog in `db`.
 */
export function repositoryOf(config: Pick<Config, 'repository'>, db: Db): DeploymentRepository {
  let repository = repositories.get(config.repository);
  if (!repository) {
    repository = repositoryFromConfig(config.repository, {
      index: (repositoryId) => catalogBlobIndex(db, repositoryId),
    });
    repositories.set(config.repository, repository);
  }
  return repository;
}
