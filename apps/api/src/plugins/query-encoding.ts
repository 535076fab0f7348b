import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';

/**
 * Refuses a query string whose percent-encoding does not decode to well-formed UTF-8
 * (`?folder=%FF`, or a lone surrogate as `%ED%A0%80`). Fastify's parser would keep such a value
 * as the raw text, so the request would quietly ask about another folder than the client meant.
 * Runs after authentication, which answers first.
 */
const queryEncoding: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', async (request) => {
    const start = request.url.indexOf('?');
    if (start === -1) return;
    try {
      decodeURIComponent(request.url.slice(start + 1));
    } catch {
      throw new ApiError(
        'INVALID_URL',
        'The query string is not valid percent-encoded UTF-8: percent-encode each byte of the UTF-8 text',
      );
    }
  });
};

export default fp(queryEncoding, { name: 'query-encoding', dependencies: ['auth'] });
