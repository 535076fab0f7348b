import type { Config } from '@strongbox/config';
import type { Job } from '@strongbox/contract';
import { catalogBlobIndex, type Db } from '@strongbox/db';
import type { StrongboxQueue, TickQueue, WebhookQueue } from '@strongbox/queue';
import { type DeploymentRepository, repositoryFromConfig } from '@strongbox/storage';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { type JobBatches, jobBatches } from '../lib/job-batches.js';

/** What the API talks to; main.ts opens them, the app only uses them and never closes them. */
export interface AppDeps {
  config: Config;
  db: Db;
  queue: StrongboxQueue;
  /** The queue of schedule ticks, whose job schedulers follow the schedules in MySQL. */
  ticks: TickQueue;
  /** The queue of webhook deliveries the worker fills and works; the API only shows it (dashboard). */
  webhooks: WebhookQueue;
  /** The producer connection the queue uses; /ready pings it. */
  redis: Redis;
  /**
   * The deployment's repository, which /ready probes. @defaultValue one built from `config`, which
   * the app closes with itself
   */
  repository?: DeploymentRepository;
  /**
   * How long /ready keeps the repository's answer before it asks again, in ms: a probe opens the
   * key (a deliberately slow key derivation), so a busy /ready does not repeat it for each request.
   * @defaultValue 5000
   */
  repositoryCheckMs?: number;
  /**
   * Called with each batch of new jobs once committed, before they are queued: a test's pause point
   * (lib/job-batches.ts). @defaultValue none
   */
  afterJobsCommitted?: (jobs: Job[]) => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance extends Omit<AppDeps, 'repository' | 'repositoryCheckMs' | 'afterJobsCommitted'> {
    repository: DeploymentRepository;
    repositoryCheckMs: number;
    /** Where the routes record jobs: in batches, one transaction and one Queue.addBulk each. */
    jobBatches: JobBatches;
  }
}

const deps: FastifyPluginAsync<AppDeps> = async (app, options) => {
  app.decorate('config', options.config);
  app.decorate('db', options.db);
  app.decorate('queue', options.queue);
  app.decorate('ticks', options.ticks);
  app.decorate('webhooks', options.webhooks);
  app.decorate('redis', options.redis);
  app.decorate(
    'jobBatches',
    jobBatches({ db: options.db, queue: options.queue, afterCommit: options.afterJobsCommitted }),
  );
  const repository =
    options.repository ??
    repositoryFromConfig(options.config.repository, {
      index: (repositoryId) => catalogBlobIndex(options.db, repositoryId),
    });
  app.decorate('repository', repository);
  app.decorate('repositoryCheckMs', options.repositoryCheckMs ?? 5_000);
  if (!options.repository) app.addHook('onClose', () => repository.close());
};

export default fp(deps, { name: 'deps' });
