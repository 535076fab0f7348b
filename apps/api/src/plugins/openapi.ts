import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { transform, transformObject } from '../lib/openapi-document.js';
import { json, responses } from '../schemas/problem.js';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes validate and answer with, at
 * /openapi.json, and Swagger UI at /docs. Registered before the routes, so that it sees them all.
 * The shapes clients use are named components (schemas/components.ts). A copy is committed as
 * apps/api/openapi.json, for the tools that read it (redocly lint, the CLI's types, the proxy that
 * checks the README's walk-through); a test fails when it differs from this.
 */
const openapi: FastifyPluginAsync = async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Strongbox',
        version: '1',
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'Backups of folders on the server: jobs recorded in MySQL, run by workers through a BullMQ queue. ' +
          'When the server has API_TOKENS, send one as `Authorization: Bearer <token>` (or as the password of ' +
          'HTTP Basic, with any user name). Errors have the shape `{statusCode, error, code, message}`.',
      },
      servers: [
        { url: '/', description: 'the server that serves this document' },
        { url: 'http://127.0.0.1:3000', description: 'npm start, with the default HOST and PORT' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a token of API_TOKENS' },
          basic: {
            type: 'http',
            scheme: 'basic',
            description: 'any user name, a token of API_TOKENS as the password',
          },
        },
      },
      // A token when the server has API_TOKENS; none when it has not (`{}`: the walk-through's curl).
      security: [{ bearer: [] }, { basic: [] }, {}],
      tags: [
        { name: 'backups', description: 'jobs of every kind: backup, verify, restore' },
        { name: 'folders', description: 'what the catalog knows of a folder: its snapshots' },
        { name: 'schedules', description: 'recurring backups' },
        { name: 'webhooks', description: 'URLs told, with a signed request, when jobs end' },
        { name: 'logs', description: 'the audit log' },
        { name: 'stats', description: 'totals' },
        { name: 'repository', description: 'the object repository and its catalog' },
        { name: 'health', description: 'liveness and readiness' },
        { name: 'operations', description: 'metrics and this document' },
      ],
    },
    transform,
    transformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
  });

  app.get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApi',
        summary: 'This OpenAPI document',
        tags: ['operations'],
        response: responses(
          { 200: json('this OpenAPI 3.1 document', z.looseObject({ openapi: z.string() })) },
          [],
        ),
      },
    },
    async () => app.swagger(),
  );
};

export default fp(openapi, { name: 'openapi' });
