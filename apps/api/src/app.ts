import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyServerOptions,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { toProblem } from './errors/to-problem.js';
import auth from './plugins/auth.js';
import closing from './plugins/closing.js';
import deps, { type AppDeps } from './plugins/deps.js';
import errors from './plugins/errors.js';
import backups from './routes/backups/index.js';
import health from './routes/health/index.js';
import logs from './routes/logs/index.js';
import stats from './routes/stats/index.js';

export type { AppDeps } from './plugins/deps.js';

/** Options for {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Fastify's logger option; tests pass `false`.
   * @defaultValue pino at `config.logLevel`, with the Authorization header redacted
   */
  logger?: FastifyServerOptions['logger'];
}

/** Largest request body accepted; larger ones are refused with 413. */
export const BODY_LIMIT = 64 * 1024;

/**
 * A configured Fastify instance, not yet listening. The caller owns `deps` and closes them after
 * the app.
 */
export async function buildApp(appDeps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? {
      level: appDeps.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["idempotency-key"]'],
    },
    bodyLimit: BODY_LIMIT,
    // Folders travel in the URL of POST /backup/{folder}: up to 1000 bytes, percent-encoded.
    routerOptions: { maxParamLength: 8192 },
    // URLs Fastify cannot even route (bad percent-encoding) get the same error shape as the rest.
    frameworkErrors: (error, request, reply) => {
      const problem = toProblem(error, request.id);
      request.log.info({ code: problem.code }, 'request refused');
      return (reply as FastifyReply).code(problem.statusCode).send(problem);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(serviceApp, appDeps);
  return app;
}

/** The API as a plugin: our services, error handling, auth, then the routes. */
export const serviceApp: FastifyPluginAsync<AppDeps> = async (app, options) => {
  await app.register(deps, options);
  await app.register(closing);
  await app.register(errors);
  await app.register(auth);
  await app.register(health);
  await app.register(backups);
  await app.register(logs);
  await app.register(stats);
};
