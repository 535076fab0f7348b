import { rebuildCatalog } from '@strongbox/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { withOwnCode } from '../../errors/own-code.js';
import { idempotencyHeadersSchema, startedJobResponses, waitQuerySchema } from '../../schemas/job.js';
import { json, responses, WRITE_ERRORS } from '../../schemas/problem.js';
import { submitJob } from '../backups/submit-job.js';

const count = z.number().int().nonnegative();

const rebuildSchema = z.object({
  snapshots: count.describe('snapshots the repository holds'),
  added: count.describe('succeeded backup jobs recorded for snapshots that had none'),
  packs: count.describe('packs recorded in the catalog'),
  blobs: count.describe('blobs those packs hold'),
});

/** `?readData=true` or `?readDataSubset=N` of POST /repository/check, besides `?wait`. */
const checkQuerySchema = waitQuerySchema
  .extend({
    readData: z
      .enum(['true', 'false'])
      .optional()
      .describe('true: read and authenticate every byte of every pack, and hash every blob again'),
    readDataSubset: z.coerce
      .number()
      .int('readDataSubset is a whole percentage')
      .min(1, 'readDataSubset is a percentage from 1 to 100')
      .max(100, 'readDataSubset is a percentage from 1 to 100')
      .optional()
      .describe('read N % of the packs whole (at least one), drawn at random anew at every check'),
  })
  .refine((query) => !(query.readData === 'true' && query.readDataSubset !== undefined), {
    message: 'readData=true reads every pack: give readDataSubset alone, or neither',
    path: ['readDataSubset'],
  });

/**
 * POST /repository/prune and POST /repository/check: start a prune or a check job. POST /repository/rebuild: rebuilds the catalog of the object repository from its objects
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
      if (!object) throw notObjectRepository('it has no catalog to rebuild');
      const counts = await rebuildCatalog(app.db, object);
      request.log.info({ ...counts }, 'the catalog was rebuilt from the repository');
      return counts;
    } catch (error) {
      throw withOwnCode(error);
    }
  });

  app.post(
    '/repository/prune',
    {
      schema: {
        operationId: 'pruneRepository',
        summary: 'Prune the object repository',
        description:
          'Starts a job of kind `prune` (folder `""`: the whole repository), as POST /backups starts a ' +
          'backup: 202 with the job, or with ?wait the job once it ended. While a prune is queued, ' +
          'another request answers that one; one requested while a prune runs is queued and runs after ' +
          'it (one maintenance job runs at a time across all workers). See docs/repository.md, ' +
          '"Maintenance". A deployment on the local tree (REPOSITORY_URL unset): 409 NOT_OBJECT_REPOSITORY.',
        tags: ['repository'],
        headers: idempotencyHeadersSchema,
        querystring: waitQuerySchema,
        response: startedJobResponses(['NOT_OBJECT_REPOSITORY']),
      },
    },
    async (request, reply) => {
      if (app.config.repository.kind !== 'object') throw notObjectRepository('there is nothing to prune');
      return submitJob(app, request, reply, { kind: 'prune', folder: '' }, request.query.wait);
    },
  );

  app.post(
    '/repository/check',
    {
      schema: {
        operationId: 'checkRepository',
        summary: 'Check the object repository against the catalog and itself',
        description:
          'Starts a job of kind `check` on the whole repository (its folder is ""): the catalog agrees with ' +
          "the bucket, every snapshot's trees and chunks exist, orphan packs are counted, and with " +
          '`readData=true` (or `readDataSubset=N`, N % of the packs) every byte read is authenticated. ' +
          'The job fails with REPOSITORY_DAMAGED when a finding is damage, its result listing the findings. ' +
          'It never runs beside a prune (they share one lease); backups run beside it. A deployment on the ' +
          'local tree (REPOSITORY_URL unset) has nothing to check: 409 NOT_OBJECT_REPOSITORY.',
        tags: ['repository'],
        headers: idempotencyHeadersSchema,
        querystring: checkQuerySchema,
        response: startedJobResponses(['NOT_OBJECT_REPOSITORY']),
      },
    },
    async (request, reply) => {
      if (app.repository.kind !== 'object') throw notObjectRepository('it has no object repository to check');
      const { readData, readDataSubset, wait } = request.query;
      return submitJob(
        app,
        request,
        reply,
        {
          kind: 'check',
          folder: '',
          params: { readData: readDataSubset ?? (readData === 'true' ? 'all' : 'none') },
        },
        wait,
      );
    },
  );
};

function notObjectRepository(what: string): ApiError {
  return new ApiError(
    'NOT_OBJECT_REPOSITORY',
    `This deployment keeps its snapshots in the local tree (REPOSITORY_URL is unset): ${what}`,
  );
}

export default repository;
