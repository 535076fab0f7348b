import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Fires when the app starts closing, so that long waits (`?wait=N`) answer at once. */
    closing: AbortSignal;
  }
}

const closing: FastifyPluginAsync = async (app) => {
  const controller = new AbortController();
  app.decorate('closing', controller.signal);
  app.addHook('preClose', async () => controller.abort());
};

export default fp(closing, { name: 'closing' });
