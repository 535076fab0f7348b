import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** A check a request passes before anything answers it: it answers (or throws) to refuse it. */
export type Check = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The checks every request passes, in order: the rate limit, then the token. */
    admission: Check[];
  }
}

/**
 * Runs the checks of `admission` on a request, in order, until one answers it. Every route and the
 * not-found handler run it as their first hook; what Fastify's router answers itself, before any
 * route and so before any hook (a URL it cannot decode, a parameter longer than `maxParamLength`),
 * runs it too (`frameworkErrors` in app.ts), so that nothing but `/health` answers a request
 * before its caller is counted and its token checked.
 */
export async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  for (const check of request.server.admission) {
    await check(request, reply);
    if (reply.sent) return;
  }
}

const admission: FastifyPluginAsync = async (app) => {
  app.decorate('admission', []);
  app.addHook('onRequest', admit);
};

export default fp(admission, { name: 'admission' });
