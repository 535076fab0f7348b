import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';
import { bearerToken, isKnownToken } from '../lib/tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** False for the routes anyone may call (/health). */
    auth?: boolean;
  }
}

/**
 * When API_TOKENS is set, every request needs `Authorization: Bearer <token>`, unknown routes
 * included (so that they reveal nothing), except routes marked `config: { auth: false }`.
 */
const auth: FastifyPluginAsync = async (app) => {
  const tokens = app.config.apiTokens;
  if (tokens.length === 0) return;
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.auth === false) return;
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      throw new ApiError('UNAUTHORIZED', 'This server needs a token: send Authorization: Bearer <token>');
    }
    if (!isKnownToken(token, tokens)) {
      throw new ApiError('UNAUTHORIZED', 'The token is not one this server accepts: check API_TOKENS');
    }
  });
};

export default fp(auth, { name: 'auth', dependencies: ['deps', 'errors'] });
