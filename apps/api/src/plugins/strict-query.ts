import { quote } from '@strongbox/contract';
import type { FastifyPluginAsync, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { openapiPath } from '../lib/openapi-path.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The query parameters the route takes, read from its querystring schema when it is registered. */
    queryParameters?: readonly string[];
  }
}

/**
 * Refuses a query parameter the route does not take with `400 UNKNOWN_PARAMETER`, naming it and
 * the ones it takes: `/backups?state=failed` would otherwise list every job, and
 * `/logs?form=2030-01-01` every row. Every route the OpenAPI document describes (a schema that is
 * not hidden) is checked; the dashboard's and Swagger UI's own routes are not. Runs after
 * authentication and after the query string's encoding is checked.
 */
const strictQuery: FastifyPluginAsync = async (app) => {
  app.addHook('onRoute', (route) => {
    if (!route.schema || (route.schema as { hide?: boolean }).hide) return;
    route.config = { ...route.config, queryParameters: parametersOf(route) };
  });

  app.addHook('onRequest', async (request) => {
    const accepted = request.routeOptions.config.queryParameters;
    if (!accepted) return;
    const start = request.url.indexOf('?');
    if (start === -1) return;
    const names = new Set(new URLSearchParams(request.url.slice(start + 1)).keys());
    const unknown = [...names].filter((name) => !accepted.includes(name));
    if (unknown.length === 0) return;
    const route = `${request.method} ${openapiPath(request.routeOptions.url ?? '')}`;
    throw new ApiError(
      'UNKNOWN_PARAMETER',
      `Unknown query ${unknown.length === 1 ? 'parameter' : 'parameters'} ${unknown.map((name) => quote(name, 40)).join(', ')}: ` +
        (accepted.length === 0
          ? `${route} takes no query parameters`
          : `${route} takes ${accepted.join(', ')}`),
    );
  });
};

/** The keys of the route's querystring schema (a zod object), or none. */
function parametersOf(route: RouteOptions): string[] {
  const querystring = route.schema?.querystring;
  return querystring instanceof z.ZodObject ? Object.keys(querystring.shape) : [];
}

export default fp(strictQuery, { name: 'strict-query', dependencies: ['auth', 'query-encoding'] });
