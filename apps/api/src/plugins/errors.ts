import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { cut, problemHeaders, problemOf, toProblem } from '../errors/to-problem.js';

/**
 * One error handler for the whole API: every error answer has the contract's shape, and server
 * errors are logged in full but answered without their details.
 */
const errors: FastifyPluginAsync = async (app) => {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request.id);
    if (problem.statusCode >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ code: problem.code, reason: problem.message }, 'request refused');
    }
    return reply.code(problem.statusCode).headers(problemHeaders(problem)).send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = cut(request.url.split('?')[0] ?? '', 100);
    return reply
      .code(404)
      .send(problemOf('NOT_FOUND', `There is no route ${request.method} ${path}: see API.md for the routes`));
  });
};

export default fp(errors, { name: 'errors' });
