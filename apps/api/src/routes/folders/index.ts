import { folderSchema, snapshotSchema } from '@strongbox/contract';
import { listSnapshots } from '@strongbox/db';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { snapshotPageSchema } from '../../schemas/components.js';
import { limitSchema } from '../../schemas/job.js';
import { json, QUERY_ERRORS, responses } from '../../schemas/problem.js';
import { findLatestSnapshot } from '../backups/find-snapshot.js';

/** The folder of a route under /folders, URL-encoded as one segment (photos%2F2024). */
const folderParamsSchema = z.object({
  folder: folderSchema
    .describe('the folder, URL-encoded as one segment: photos%2F2024 for photos/2024')
    .meta({ examples: ['photos/2024'] }),
});

/**
 * A folder's snapshots, read from the MySQL catalog, so the same for either kind of repository: its
 * backups that succeeded and whose snapshot retention has not deleted, newest first.
 */
const folders: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/folders/:folder/snapshots',
    {
      schema: {
        operationId: 'listSnapshots',
        summary: "List a folder's snapshots, newest first",
        tags: ['folders'],
        params: folderParamsSchema,
        querystring: z.object({ limit: limitSchema, cursor: z.string().max(200).optional() }),
        response: responses({ 200: json('a page of snapshots, newest first', snapshotPageSchema) }, [
          'INVALID_FOLDER',
          'INVALID_CURSOR',
          ...QUERY_ERRORS,
        ]),
      },
    },
    async (request) => listSnapshots(app.db, { folder: request.params.folder, ...request.query }),
  );

  app.get(
    '/folders/:folder/snapshots/latest',
    {
      schema: {
        operationId: 'getLatestSnapshot',
        summary: "Read a folder's newest snapshot",
        tags: ['folders'],
        params: folderParamsSchema,
        response: responses({ 200: json('the newest snapshot of the folder', snapshotSchema) }, [
          'INVALID_FOLDER',
          'NOT_FOUND',
        ]),
      },
    },
    async (request) => findLatestSnapshot(app, request.params.folder, 'NOT_FOUND'),
  );
};

export default folders;
