import { once } from 'node:events';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { TimeoutError, withTimeout } from '../../lib/with-timeout.js';
import { json, responses } from '../../schemas/problem.js';

const CHECK_TIMEOUT_MS = 2_000;

const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({ mysql: z.string(), redis: z.string() }),
});

/**
 * GET /health: the process is up (no auth, no dependencies). GET /ready: MySQL and Redis both
 * answer, else 503 naming which does not.
 */
const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      config: { auth: false, rateLimit: false },
      schema: {
        operationId: 'getHealth',
        summary: 'Whether the process runs (no token needed)',
        tags: ['health'],
        security: [],
        response: responses(
          {
            200: json('the process runs', z.object({ status: z.literal('ok') }), {
              examples: { ok: { status: 'ok' } },
            }),
          },
          [],
          { open: true },
        ),
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const schema = {
    operationId: 'getReadiness',
    summary: 'Whether MySQL and Redis answer',
    tags: ['health'],
    response: responses(
      {
        200: json('MySQL and Redis both answer', readiness, {
          examples: { ready: { status: 'ok', checks: { mysql: 'ok', redis: 'ok' } } },
        }),
        503: json('MySQL or Redis does not answer; the check says which', readiness, {
          examples: {
            redisDown: {
              status: 'unavailable',
              checks: { mysql: 'ok', redis: 'unreachable (ECONNREFUSED)' },
            },
          },
        }),
      },
      [],
    ),
  };
  app.get('/ready', { schema }, async (request, reply) => {
    const [mysql, redis] = await Promise.all([
      check(() => app.db.query('SELECT 1')),
      check(() => pingRedis(app.redis)),
    ]);
    for (const [name, result] of Object.entries({ mysql, redis })) {
      if (result.error) request.log.warn({ err: result.error, dependency: name }, 'not ready');
    }
    const ok = !mysql.error && !redis.error;
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', checks: { mysql: mysql.text, redis: redis.text } });
  });
};

// What a client sees of a failed check is its kind (timeout, or the system error code), not the
// error's own text, which may name hosts and credentials.
async function check(probe: () => Promise<unknown>): Promise<{ text: string; error?: unknown }> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, 'the check');
    return { text: 'ok' };
  } catch (error) {
    if (error instanceof TimeoutError) return { text: `no answer within ${CHECK_TIMEOUT_MS} ms`, error };
    const code = (error as { code?: unknown }).code;
    return { text: typeof code === 'string' ? `unreachable (${code})` : 'unreachable', error };
  }
}

export default health;

// The producer connection refuses commands while it (re)connects; give it the check's time to get there.
async function pingRedis(redis: Redis): Promise<unknown> {
  if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  return redis.ping();
}
