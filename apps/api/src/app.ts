import { MAX_PATH_BYTES } from '@strongbox/contract';
import { loggerOptions, SECRET_FREE } from '@strongbox/logging';
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { answerClientError } from './errors/client-error.js';
import { toProblem } from './errors/to-problem.js';
import { longParameterError } from './lib/long-folder.js';
import admission, { admit } from './plugins/admission.js';
import audit from './plugins/audit.js';
import auth from './plugins/auth.js';
import bullBoard from './plugins/bull-board/index.js';
import closing from './plugins/closing.js';
import consolePage from './plugins/console.js';
import deps, { type AppDeps } from './plugins/deps.js';
import errors from './plugins/errors.js';
import helmet from './plugins/helmet.js';
import jsonBody from './plugins/json-body.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import queryEncoding from './plugins/query-encoding.js';
import rateLimit from './plugins/rate-limit.js';
import strictQuery from './plugins/strict-query.js';
import backups from './routes/backups/index.js';
import folders from './routes/folders/index.js';
import health from './routes/health/index.js';
import logs from './routes/logs/index.js';
import repository from './routes/repository/index.js';
import schedules from './routes/schedules/index.js';
import stats from './routes/stats/index.js';
import webhooks from './routes/webhooks/index.js';

export type { AppDeps } from './plugins/deps.js';

/** Options for {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * `false` for no log, or pino options that replace the defaults (a level, a stream to read the
   * log); the Authorization and Idempotency-Key headers are redacted, and the configuration's
   * secrets taken out of every line, whatever is given.
   * @defaultValue pino at `config.logLevel` in `config.logFormat`
   */
  logger?: FastifyServerOptions['logger'];
}

/** Headers that never reach the log: tokens (bearer or Basic) and idempotency keys. */
export const REDACTED = ['req.headers.authorization', 'req.headers["idempotency-key"]'];

/** Largest request body accepted; larger ones are refused with 413. */
export const BODY_LIMIT = 64 * 1024;

/**
 * A configured Fastify instance, not yet listening. The caller owns `deps` and closes them after
 * the app.
 */
export async function buildApp(appDeps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : {
            ...loggerOptions({
              level: appDeps.config.logLevel,
              format: appDeps.config.logFormat,
              isTTY: process.stdout.isTTY === true,
            }),
            ...(typeof options.logger === 'object' ? options.logger : {}),
            redact: REDACTED,
            ...SECRET_FREE,
          },
    bodyLimit: BODY_LIMIT,
    // Route parameters are job ids (UUIDs) and folders (at most MAX_PATH_BYTES bytes, so at most as
    // many characters): a longer id answers 404 like any unknown id, a longer folder the folder
    // rule's 400 (lib/long-folder.ts). The folder of POST /backup/{folder} is a wildcard, which this
    // does not limit.
    routerOptions: { maxParamLength: MAX_PATH_BYTES },
    // URLs Fastify cannot even route (bad percent-encoding, a parameter over maxParamLength) get
    // the same admission (rate limit, token) and the same error shape as the rest: the router
    // answers them before any route, so no hook runs for them.
    frameworkErrors: async (error, request, reply) => {
      try {
        await admit(request, reply);
      } catch (refusal) {
        error = refusal as typeof error;
      }
      if (reply.sent) return reply;
      const problem = toProblem(longParameterError(error, request.url), request.id);
      request.log.info({ code: problem.code }, 'request refused');
      return (reply as FastifyReply).code(problem.statusCode).send(problem);
    },
    // What Node's HTTP parser refuses (oversized or malformed request lines and headers) too.
    clientErrorHandler: answerClientError,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(audit, { db: appDeps.db, flushMs: appDeps.config.auditFlushMs });
  // Not encapsulated, so that the admission its plugins fill in is the root's, which the
  // router's own errors (frameworkErrors) see.
  await app.register(fp(serviceApp), appDeps);
  return app;
}

/**
 * The API as a plugin: our services, error handling, security headers, the admission that every
 * request passes before anything answers it: the rate limit (before authentication, so that wrong
 * tokens count) and auth; the query string's checks, metrics and the OpenAPI document (before the
 * routes, so that they see every route), then the routes, the dashboard and the console.
 */
export const serviceApp: FastifyPluginAsync<AppDeps> = async (app, options) => {
  await app.register(deps, options);
  await app.register(closing);
  await app.register(errors);
  await app.register(helmet);
  await app.register(jsonBody);
  await app.register(admission);
  await app.register(rateLimit);
  await app.register(auth);
  await app.register(queryEncoding);
  await app.register(strictQuery);
  await app.register(openapi);
  await app.register(metrics);
  await app.register(health);
  await app.register(backups);
  await app.register(folders);
  await app.register(logs);
  await app.register(stats);
  await app.register(repository);
  await app.register(schedules);
  await app.register(webhooks);
  await app.register(bullBoard);
  await app.register(consolePage);
};
