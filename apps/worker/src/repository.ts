import type { Config } from '@strongbox/config';
import { type DeploymentRepository, repositoryFromConfig } from '@strongbox/storage';

const repositories = new WeakMap<Config['repository'], DeploymentRepository>();

/**
 * Where this worker's snapshots live, as its settings say (REPOSITORY_URL, else the local tree at
 * BACKUP_FOLDER). Every job, the sweep and retention go through it: one per loaded configuration,
 * for the process's life.
 */
export function repositoryOf(config: Pick<Config, 'repository'>): DeploymentRepository {
  let repository = repositories.get(config.repository);
  if (!repository) {
    repository = repositoryFromConfig(config.repository);
    repositories.set(config.repository, repository);
  }
  return repository;
}
