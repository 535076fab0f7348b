import { catalogRebuiltAt, type Db, rebuildCatalog } from '@strongbox/db';
import type { DeploymentRepository } from '@strongbox/storage';
import type { Logger } from 'pino';

/**
 * At worker start, once the repository has opened: when it is an object repository whose catalog
 * this database has never held (a new, empty database pointed at an existing repository), rebuilds
 * the catalog from the repository's objects, so that its snapshots are listed as backup jobs
 * again. Workers starting together may each rebuild: a rebuild is safe to run twice at once.
 */
export async function rebuildCatalogIfNew(
  db: Db,
  repository: DeploymentRepository,
  logger: Logger,
): Promise<void> {
  const object = await repository.objectRepository();
  if (!object) return;
  if ((await catalogRebuiltAt(db, await object.repositoryId())) !== null) return;
  const counts = await rebuildCatalog(db, object);
  logger.info({ repository: repository.location, ...counts }, 'the catalog was rebuilt from the repository');
}
