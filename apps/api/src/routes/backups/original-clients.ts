import formBody from '@fastify/formbody';
import { folderSchema } from '@strongbox/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemOf } from '../../errors/to-problem.js';
import { parseForm } from '../../lib/form-body.js';
import { idempotencyHeadersSchema, startedJobResponses, waitQuerySchema } from '../../schemas/job.js';
import { BODY_ERRORS } from '../../schemas/problem.js';
import { submitJob } from './submit-job.js';

/**
 * The original design's ways to start a backup, answered as POST /backups answers (202, `?wait`,
 * Idempotency-Key): `POST /backup/{folder}`, `POST /backup` with the form body
 * `path_to_folder=NAME`, and the reference app's `POST /` with `{"path": "NAME"}`. A GET on any of
 * them answers 405 pointing at the POST: a GET never creates a job.
 */
const originalClients: FastifyPluginAsyncZod = async (app) => {
  // A wildcard, so that both photos%2F2024 and photos/2024 name the folder photos/2024.
  app.post(
    '/backup/*',
    {
      schema: {
        operationId: 'createBackupAtUrl',
        summary: "Back up a folder (the original design's form)",
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        params: z.object({
          '*': folderSchema
            .describe('the folder, URL-encoded (photos%2F2024) or as a path (photos/2024)')
            .meta({ examples: ['photos/2024'] }),
        }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', 'INVALID_URL']),
      },
    },
    async (request, reply) =>
      submitJob(app, request, reply, { kind: 'backup', folder: request.params['*'] }, request.query.wait),
  );

  await app.register(formRoute);

  app.post(
    '/',
    {
      schema: {
        operationId: 'createBackupFromPath',
        summary: "Back up a folder named as path (the original design's reference app)",
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        body: z.object({ path: folderSchema }).meta({ examples: [{ path: 'photos/2024' }] }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', ...BODY_ERRORS]),
      },
    },
    async (request, reply) =>
      submitJob(app, request, reply, { kind: 'backup', folder: request.body.path }, request.query.wait),
  );

  for (const [url, instead] of Object.entries(GET_INSTEAD_OF_POST)) {
    app.get(
      url,
      {
        // Not an operation a client should call (a generated client would get a method that always
        // fails): API.md describes it. Whatever the query says, the answer is the same 405.
        schema: { hide: true },
      },
      async (_request, reply) =>
        reply
          .code(405)
          .header('Allow', 'POST')
          .send(problemOf('METHOD_NOT_ALLOWED', `GET never starts a backup: ${instead}`)),
    );
  }
};

// The form parser only where the original design's form is sent: elsewhere such a body stays 415.
const formRoute: FastifyPluginAsyncZod = async (app) => {
  await app.register(formBody, { parser: parseForm });
  app.post(
    '/backup',
    {
      schema: {
        operationId: 'createBackupFromForm',
        summary: "Back up a folder named in a form (the original design's form)",
        tags: ['backups'],
        headers: idempotencyHeadersSchema,
        consumes: ['application/x-www-form-urlencoded'],
        body: z
          .object({ path_to_folder: folderSchema })
          .meta({ examples: [{ path_to_folder: 'photos/2024' }] }),
        querystring: waitQuerySchema,
        response: startedJobResponses(['INVALID_FOLDER', 'INVALID_FORM', ...BODY_ERRORS]),
      },
    },
    async (request, reply) =>
      submitJob(
        app,
        request,
        reply,
        { kind: 'backup', folder: request.body.path_to_folder },
        request.query.wait,
      ),
  );
};

// What a client that sent a GET should send instead, by route.
const GET_INSTEAD_OF_POST: Record<string, string> = {
  '/backup/*': 'send POST to this URL (curl -X POST), or POST /backups with {"folder": …}',
  '/backup':
    'send POST /backup with the form body path_to_folder=NAME (curl -d path_to_folder=NAME), or POST /backups with {"folder": …}',
  '/': 'send POST / with {"path": …}, or POST /backups with {"folder": …}; the API is described at /docs',
};

export default originalClients;
