import { once } from 'node:events';
import { redactSecrets } from '@strongbox/config';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { TimeoutError, withTimeout } from '../../lib/with-timeout.js';
import { json, responses } from '../../schemas/problem.js';

const CHECK_TIMEOUT_MS = 2_000;
// Opening the repository's key derives it from the password (scrypt), on purpose not fast.
const REPOSITORY_TIMEOUT_MS = 10_000;

const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    mysql: z.string(),
    redis: z.string(),
    repository: z
      .string()
      .describe(
        "ok, or why jobs cannot run on the object repository, as `CODE: message` (REPOSITORY_NOT_FOUND, WRONG_PASSWORD, REPOSITORY_UNAVAILABLE, UNKNOWN_LAYOUT…); the local tree's is always ok (each worker checks BACKUP_FOLDER when it starts)",
      ),
  }),
});

/**
 * GET /health: the process is up (no auth, no dependencies). GET /ready: MySQL and Redis both
 * answer and the repository opens, else 503 naming what does not.
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
    summary: 'Whether MySQL and Redis answer and the repository opens',
    tags: ['health'],
    response: responses(
      {
        200: json('MySQL and Redis both answer, and the repository opens', readiness, {
          examples: { ready: { status: 'ok', checks: { mysql: 'ok', redis: 'ok', repository: 'ok' } } },
        }),
        503: json(
          'MySQL or Redis does not answer, or the repository does not open; the check says which and why',
          readiness,
          {
            examples: {
              redisDown: {
                status: 'unavailable',
                checks: { mysql: 'ok', redis: 'unreachable (ECONNREFUSED)', repository: 'ok' },
              },
              wrongPassword: {
                status: 'unavailable',
                checks: {
                  mysql: 'ok',
                  redis: 'ok',
                  repository:
                    'WRONG_PASSWORD: The repository password does not open key 5f0c9e2a41d37b6e8c1a4f90d2b7e613',
                },
              },
            },
          },
        ),
      },
      [],
    ),
  };
  const repositoryCheck = cached(app.repositoryCheckMs, () => repositoryText(() => app.repository.probe()));
  app.get('/ready', { schema }, async (request, reply) => {
    const [mysql, redis, repository] = await Promise.all([
      check(() => app.db.query('SELECT 1')),
      check(() => pingRedis(app.redis)),
      repositoryCheck(),
    ]);
    for (const [name, result] of Object.entries({ mysql, redis, repository })) {
      if (result.error) request.log.warn({ err: result.error, dependency: name }, 'not ready');
    }
    const ok = !mysql.error && !redis.error && !repository.error;
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      checks: { mysql: mysql.text, redis: redis.text, repository: repository.text },
    });
  });
};

// What a client sees of a failed check is its kind (timeout, or the system error code), not the
// error's own text, which may name hosts and credentials.
async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, 'the check');
    return { text: 'ok' };
  } catch (error) {
    if (error instanceof TimeoutError) return { text: `no answer within ${CHECK_TIMEOUT_MS} ms`, error };
    const code = (error as { code?: unknown }).code;
    return { text: typeof code === 'string' ? `unreachable (${code})` : 'unreachable', error };
  }
}

/**
 * The repository's answer as a check: ok, or `CODE: message` of the engine's error, which names the
 * reason and never the password (and goes through the redactor all the same).
 */
async function repositoryText(probe: () => Promise<void>): Promise<CheckResult> {
  try {
    await withTimeout(probe(), REPOSITORY_TIMEOUT_MS, 'the repository check');
    return { text: 'ok' };
  } catch (error) {
    if (error instanceof TimeoutError) return { text: `no answer within ${REPOSITORY_TIMEOUT_MS} ms`, error };
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    return { text: redactSecrets(typeof code === 'string' ? `${code}: ${message}` : message), error };
  }
}

/**
 * `run`'s answer, kept `ms` after it came; requests meanwhile share it, or the one under way. A
 * failure is kept as long, so a problem fixed shows as ready within `ms`.
 */
function cached(ms: number, run: () => Promise<CheckResult>): () => Promise<CheckResult> {
  let kept: { at: number; answer: Promise<CheckResult> } | null = null;
  return () => {
    const now = performance.now();
    if (kept === null || now - kept.at >= ms) {
      const answer = run();
      const entry = { at: now, answer };
      kept = entry;
      // Kept from when it came, not from when it was asked.
      void answer.then(() => {
        if (kept === entry) entry.at = performance.now();
      });
    }
    return kept.answer;
  };
}

type CheckResult = { text: string; error?: unknown };

export default health;

// The producer connection refuses commands while it (re)connects; give it the check's time to get there.
async function pingRedis(redis: Redis): Promise<unknown> {
  if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  return redis.ping();
}
