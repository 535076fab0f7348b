import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { isKnownToken, metricsTokensOf, presentedToken } from '@strongbox/config';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';

/**
 * At most RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_SECONDS from one caller: a valid token is
 * one caller wherever it comes from; without one (or with a wrong one) the client address is.
 * Over the limit the answer is `429 RATE_LIMITED` with `Retry-After`. Counted in this process's
 * memory: each API process counts on its own. /health (`config: { rateLimit: false }`) is not limited.
 */
const limit: FastifyPluginAsync = async (app) => {
  const { max, windowSeconds } = app.config.rateLimit;
  if (max === 0) return;
  const tokens = metricsTokensOf(app.config);
  await app.register(rateLimit, { global: false });
  const check = app.rateLimit({
    max,
    timeWindow: windowSeconds * 1000,
    keyGenerator: (request) => callerOf(request, tokens),
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        'RATE_LIMITED',
        `Too many requests: at most ${context.max} per ${windowSeconds} s; try again in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
  // The first check of the admission, before authentication, so that wrong tokens are counted too.
  app.admission.push(async (request, reply) => {
    if (request.routeOptions.config.rateLimit === false) return;
    await check.call(app, request, reply);
  });
};

// The key never holds the token itself: a hash of it, so that nothing kept in memory can be replayed.
function callerOf(request: FastifyRequest, tokens: readonly string[]): string {
  const token = presentedToken(request.headers.authorization);
  if (token !== null && isKnownToken(token, tokens)) {
    return `token:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
  }
  return `ip:${request.ip}`;
}

export default fp(limit, { name: 'rate-limit', dependencies: ['deps', 'errors', 'admission'] });
