import { rebuildCatalog } from '@strongbox/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { type ErrorCode, STATUS_BY_CODE } from '../../errors/status-of.js';
import { json, responses, WRITE_ERRORS } from '../../schemas/problem.js';

const count = z.number().int().nonnegative();

const rebuildSchema = z.object({
  snapshots: count.describe('snapshots the repository holds'),
  added: count.describe('succeeded backup jobs recorded for snapshots that had none'),
  packs: count.describe('packs recorded in the catalog'),
  blobs: count.describe('blobs those packs hold'),
});

/**
 * POST /repository/rebuild: rebuilds the catalog of the object repository from its objects
 * (docs/repository.md, "The catalog"), and answers what it found and added. Synchronous: it lists
 * the repository and reads the headers of the packs the catalog lacks before it answers.
 */
const repository: FastifyPluginAsyncZod = async (app) => {
  const schema = {
    operationId: 'rebuildCatalog',
    summary: 'Rebuild the catalog from the object repository',
    description:
      'Records the packs the catalog lacks and a succeeded backup job for every snapshot without one, ' +
      'so that GET /backups?kind=backup&status=succeeded&folder=F lists one job per snapshot of F. ' +
      'Idempotent; safe to run while jobs run. A deployment on the local tree (REPOSITORY_URL unset) ' +
      'has no catalog to rebuild: 409 NOT_OBJECT_REPOSITORY.',
    tags: ['repository'],
    response: responses({ 200: json('what the rebuild found and added', rebuildSchema) }, [
      'NOT_OBJECT_REPOSITORY',
      ...WRITE_ERRORS,
      'REPOSITORY_UNAVAILABLE',
      'REPOSITORY_NOT_FOUND',
    ]),
  };
  app.post('/repository/rebuild', { schema }, async (request) => {
    try {
      const object = await app.repository.objectRepository();
      if (!object) {
        throw new ApiError(
          'NOT_OBJECT_REPOSITORY',
          'This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): it has no catalog to rebuild',
        );
      }
      const counts = await rebuildCatalog(app.db, object);
      request.log.info({ ...counts }, 'the catalog was rebuilt from the repository');
      return counts;
    } catch (error) {
      throw withOwnCode(error);
    }
  });
};

/**
 * An error of the repository or the database with a code the API maps (REPOSITORY_NOT_FOUND,
 * REPOSITORY_UNAVAILABLE, WRONG_PASSWORD, REPOSITORY_DAMAGED…) as an ApiError of that code, so its
 * status is that code's; the original stays its cause, for the log.
 */
function withOwnCode(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof ApiError || !(error instanceof Error) || typeof code !== 'string') return error;
  if (!Object.hasOwn(STATUS_BY_CODE, code)) return error;
  const own = new ApiError(code as ErrorCode, error.message);
  own.cause = error;
  return own;
}

export default repository;
