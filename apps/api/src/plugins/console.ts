import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { cut, problemOf } from '../errors/to-problem.js';

export const CONSOLE_PATH = '/console';

/**
 * The built console (`apps/console/dist`, made by `npm run build`), found beside this package the
 * same way from its sources (src/plugins) and from its build (dist/plugins).
 */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

/** Its files whose names carry a hash of their content: a browser may keep them for good. */
const HASHED = `${path.sep}assets${path.sep}`;

export interface ConsoleOptions {
  /** @defaultValue {@link CONSOLE_DIST} */
  root?: string;
}

/**
 * The web console at /console: its page at `/console` and `/console/`, its scripts and styles
 * under `/console/assets/`, and the page again for any other path below /console that is not a
 * file (a deep link), so that a reload anywhere in it opens it. It reads the public API only, from
 * the browser, with the credentials the browser holds: behind the same token as every route. When
 * the console was not built, /console answers 404 saying so.
 */
const consolePlugin: FastifyPluginAsync<ConsoleOptions> = async (app, options) => {
  const root = options.root ?? CONSOLE_DIST;
  if (!existsSync(path.join(root, 'index.html'))) {
    app.log.warn({ root }, 'the console is not built: /console answers 404 (npm run build builds it)');
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply
        .code(404)
        .send(problemOf('NOT_FOUND', 'The console is not built on this server: npm run build builds it'));
    app.get(CONSOLE_PATH, { schema: { hide: true } }, notBuilt);
    app.get(`${CONSOLE_PATH}/*`, { schema: { hide: true } }, notBuilt);
    return;
  }
  await app.register(
    async (scope) => {
      await scope.register(fastifyStatic, {
        root,
        prefix: '/',
        index: ['index.html'],
        cacheControl: false,
        schemaHide: true,
        setHeaders: (reply, file) => {
          reply.header(
            'cache-control',
            file.includes(HASHED) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
      scope.get('', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
      // A path that is not a file: the page, which reads where to go from the URL; but a missing
      // script or style (a file name with an extension) stays a 404, not a page in its place.
      scope.setNotFoundHandler(async (request, reply) => {
        const pathname = request.url.split('?')[0] ?? '';
        if ((request.method === 'GET' || request.method === 'HEAD') && !/\.[A-Za-z0-9]+$/.test(pathname)) {
          return reply.sendFile('index.html');
        }
        return reply
          .code(404)
          .send(
            problemOf('NOT_FOUND', `There is no file ${request.method} ${cut(pathname, 100)} in the console`),
          );
      });
    },
    { prefix: CONSOLE_PATH },
  );
};

// Registered after the admission (app.ts), whose token check it passes like every route.
export default fp(consolePlugin, { name: 'console' });
