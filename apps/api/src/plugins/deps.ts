import type { Config } from '@strongbox/config';
import type { Db } from '@strongbox/db';
import type { StrongboxQueue, TickQueue } from '@strongbox/queue';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';

/** What the API talks to; main.ts opens them, the app only uses them and never closes them. */
export interface AppDeps {
  config: Config;
  db: Db;
  queue: StrongboxQueue;
  /** The queue of schedule ticks, whose job schedulers follow the schedules in MySQL. */
  ticks: TickQueue;
  /** The producer connection the queue uses; /ready pings it. */
  redis: Redis;
}

declare module 'fastify' {
  interface FastifyInstance extends AppDeps {}
}

const deps: FastifyPluginAsync<AppDeps> = async (app, options) => {
  app.decorate('config', options.config);
  app.decorate('db', options.db);
  app.decorate('queue', options.queue);
  app.decorate('ticks', options.ticks);
  app.decorate('redis', options.redis);
};

export default fp(deps, { name: 'deps' });
