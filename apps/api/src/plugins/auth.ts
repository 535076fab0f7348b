import { isKnownToken, metricsTokensOf, presentedToken } from '@strongbox/config';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { problemOf } from '../errors/to-problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** False for the routes anyone may call (/health). */
    auth?: boolean;
    /** True for /metrics, which METRICS_TOKEN opens as well as API_TOKENS. */
    metrics?: boolean;
  }
}

/**
 * Both challenges: programs send `Authorization: Bearer <token>`; a browser, asked for Basic,
 * prompts for a user name (any) and a password (the token), so that the dashboard and /docs open.
 */
export const CHALLENGES = ['Bearer', 'Basic realm="Strongbox", charset="UTF-8"'];

/**
 * When API_TOKENS is set, every request needs one of its tokens, as a bearer token or as the
 * password of HTTP Basic, unknown routes included (so that they reveal nothing), except routes
 * marked `config: { auth: false }`: the second check of the admission (after the rate limit), which
 * runs before anything answers, the router's own errors included. /metrics also takes
 * METRICS_TOKEN, and needs a token when
 * only that is set. The answer is sent from here rather than thrown, so that plugins with an error
 * handler of their own (Bull Board) cannot turn it into something else.
 */
const auth: FastifyPluginAsync = async (app) => {
  const apiTokens = app.config.apiTokens;
  const metricsTokens = metricsTokensOf(app.config);
  if (metricsTokens.length === 0) return;
  app.admission.push(async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.auth === false) return;
    const tokens = config.metrics ? metricsTokens : apiTokens;
    if (tokens.length === 0) return;
    const token = presentedToken(request.headers.authorization);
    if (token === null) {
      return refuse(reply, 'This server needs a token: send Authorization: Bearer <token>');
    }
    if (!isKnownToken(token, tokens)) {
      return refuse(reply, 'The token is not one this server accepts: check API_TOKENS');
    }
  });
};

function refuse(reply: FastifyReply, message: string): FastifyReply {
  reply.request.log.info({ code: 'UNAUTHORIZED' }, 'request refused');
  return reply.code(401).header('WWW-Authenticate', CHALLENGES).send(problemOf('UNAUTHORIZED', message));
}

export default fp(auth, { name: 'auth', dependencies: ['deps', 'errors', 'admission', 'rate-limit'] });
