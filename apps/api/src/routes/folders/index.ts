import {
  EMPTY_POLICY,
  type FolderPolicy,
  folderDetailSchema,
  folderPolicySchema,
  folderSchema,
  mergePolicy,
  policyBodySchema,
  policyOfBody,
  policyPatchSchema,
  quote,
  snapshotSchema,
} from '@strongbox/contract';
import {
  changeFolderPolicy,
  getFolderPolicy,
  getFolderSummary,
  listFolderSchedules,
  listFolders,
  listSnapshots,
} from '@strongbox/db';
import type { FastifyError, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';
import { validationDetails } from '../../errors/to-problem.js';
import { folderPageSchema, snapshotPageSchema } from '../../schemas/components.js';
import { limitSchema } from '../../schemas/job.js';
import { BODY_ERRORS, json, QUERY_ERRORS, responses, WRITE_ERRORS } from '../../schemas/problem.js';
import { findLatestSnapshot } from '../backups/find-snapshot.js';

/** The folder of a route under /folders, URL-encoded as one segment (photos%2F2024). */
const folderParamsSchema = z.object({
  folder: folderSchema
    .describe('the folder, URL-encoded as one segment: photos%2F2024 for photos/2024')
    .meta({ examples: ['photos/2024'] }),
});

// A folder's cursor holds its name (up to 1000 bytes, JSON-escaped, base64url): up to about 2,700 characters.
const folderPageQuerySchema = z.object({ limit: limitSchema, cursor: z.string().max(4000).optional() });

/**
 * The folders Strongbox knows (those with a job, a schedule or a policy), each with a summary kept
 * in MySQL as jobs end (packages/db/src/folders/folder-summary.ts); a folder's snapshots, read from
 * the MySQL catalog, so the same for either kind of repository (its backups that succeeded and whose
 * snapshot retention has not deleted, newest first); and a folder's policy.
 */
const folders: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/folders',
    {
      schema: {
        operationId: 'listFolders',
        summary: 'List the folders that have a job, a schedule or a policy, by name',
        tags: ['folders'],
        querystring: folderPageQuerySchema,
        response: responses(
          { 200: json('a page of folders, in the byte order of their names', folderPageSchema) },
          ['INVALID_CURSOR', ...QUERY_ERRORS],
        ),
      },
    },
    async (request) => listFolders(app.db, request.query),
  );

  app.get(
    '/folders/:folder',
    {
      schema: {
        operationId: 'getFolder',
        summary: 'Read one folder: its summary, its policy and its schedules',
        tags: ['folders'],
        params: folderParamsSchema,
        response: responses({ 200: json('the folder', folderDetailSchema) }, [
          'INVALID_FOLDER',
          'UNKNOWN_FOLDER',
        ]),
      },
    },
    async (request) => {
      const { folder } = request.params;
      const [summary, stored, schedules] = await Promise.all([
        getFolderSummary(app.db, folder),
        getFolderPolicy(app.db, folder),
        listFolderSchedules(app.db, folder),
      ]);
      if (!summary) {
        throw new ApiError(
          'UNKNOWN_FOLDER',
          `There is no folder ${quote(folder)} here: it has no job, no schedule and no policy (folders are listed by GET /folders)`,
        );
      }
      return {
        ...summary,
        policy: stored?.policy ?? EMPTY_POLICY,
        policyUpdatedAt: stored ? stored.updatedAt.toISOString() : null,
        schedules,
      };
    },
  );

  app.get(
    '/folders/:folder/policy',
    {
      schema: {
        operationId: 'getFolderPolicy',
        summary: "Read a folder's policy (the empty policy when none is stored)",
        tags: ['folders'],
        params: folderParamsSchema,
        response: responses({ 200: json('the policy', folderPolicySchema) }, ['INVALID_FOLDER']),
      },
    },
    async (request) => (await getFolderPolicy(app.db, request.params.folder))?.policy ?? EMPTY_POLICY,
  );

  app.put(
    '/folders/:folder/policy',
    {
      attachValidation: true,
      schema: {
        operationId: 'putFolderPolicy',
        summary: "Replace a folder's policy: a field left out has no rule",
        tags: ['folders'],
        params: folderParamsSchema,
        body: policyBodySchema,
        response: responses({ 200: json('the policy, as stored', folderPolicySchema) }, [
          'INVALID_FOLDER',
          'INVALID_POLICY',
          ...BODY_ERRORS,
          ...WRITE_ERRORS,
        ]),
      },
    },
    async (request) => {
      refuseInvalid(request);
      const policy = policyOfBody(request.body);
      return storePolicy(request, () => policy);
    },
  );

  app.patch(
    '/folders/:folder/policy',
    {
      attachValidation: true,
      schema: {
        operationId: 'patchFolderPolicy',
        summary: "Change part of a folder's policy (a JSON merge patch: null resets a field or a rule)",
        tags: ['folders'],
        params: folderParamsSchema,
        body: policyPatchSchema,
        response: responses({ 200: json('the policy, as stored', folderPolicySchema) }, [
          'INVALID_FOLDER',
          'INVALID_POLICY',
          ...BODY_ERRORS,
          ...WRITE_ERRORS,
        ]),
      },
    },
    async (request) => {
      refuseInvalid(request);
      const patch = request.body;
      return storePolicy(request, (current) => mergePolicy(current, patch));
    },
  );

  async function storePolicy(
    request: FastifyRequest<{ Params: { folder: string } }>,
    change: (current: FolderPolicy) => FolderPolicy,
  ): Promise<FolderPolicy> {
    const { folder } = request.params;
    const stored = await changeFolderPolicy(app.db, folder, change);
    request.log.info({ folder, policy: stored.policy }, 'folder policy set');
    return stored.policy;
  }

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

/**
 * The policy routes take their validation error in hand (`attachValidation`): a body their schema
 * refuses is answered INVALID_POLICY with every issue (an unknown field, a negative number, an
 * exclude line the matcher cannot take); a bad folder stays INVALID_FOLDER.
 */
function refuseInvalid(request: FastifyRequest): void {
  const error = request.validationError as (FastifyError & { validationContext?: string }) | undefined;
  if (!error) return;
  if (error.validationContext !== 'body') throw error;
  throw new ApiError('INVALID_POLICY', `The policy was refused: ${validationDetails(error)}`);
}
