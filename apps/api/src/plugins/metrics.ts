import { failureCounts, lastBackupSuccess, listFolderBackups } from '@strongbox/db';
import { createJobMetrics, createRegistry, folderMetrics, lastSuccessGauge } from '@strongbox/metrics';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Histogram } from 'prom-client';
import { z } from 'zod';
import { withTimeout } from '../lib/with-timeout.js';
import { responses } from '../schemas/problem.js';
import { observeQueue } from './observe-queue.js';

const QUEUE_READ_TIMEOUT_MS = 2_000;
const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;

/**
 * `GET /metrics` in Prometheus text: how long requests take, by route pattern (never the raw URL)
 * and status; how many jobs each queue holds in each state, read from Redis at scrape time; the
 * job metrics of every worker, from the queue's events; when the newest successful backup ended,
 * per folder too, when the newest failed one did, and failures by kind and error code, read from
 * MySQL; and the process's own figures. Needs a token
 * of API_TOKENS, or METRICS_TOKEN, when either is set.
 */
const metrics: FastifyPluginAsync = async (app) => {
  const registry = createRegistry('api');
  const duration = new Histogram({
    name: 'strongbox_http_request_duration_seconds',
    help: 'How long the API took to answer, by method, route pattern and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        // Unknown routes share one label, so that scanners cannot make a series per URL.
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
  });

  const queues = [app.queue, app.ticks];
  new Gauge({
    name: 'strongbox_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read from Redis at scrape time (none when Redis does not answer)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of queues) {
        try {
          const counts = await withTimeout(queue.getJobCounts(...STATES), QUEUE_READ_TIMEOUT_MS, 'Redis');
          for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch (error) {
          app.log.warn({ err: error, queue: queue.name }, 'could not read the queue for /metrics');
        }
      }
    },
  });
  lastSuccessGauge(registry, () => lastBackupSuccess(app.db));
  folderMetrics(
    registry,
    { folders: (limit) => listFolderBackups(app.db, limit), failures: () => failureCounts(app.db) },
    app.config.metricsFolderLimit,
  );
  const observer = await observeQueue(app.config, app.queue, createJobMetrics(registry), app.log);
  app.addHook('onClose', async () => observer.close());

  app.get(
    '/metrics',
    {
      config: { metrics: true },
      schema: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics of the API',
        tags: ['operations'],
        response: responses(
          {
            200: {
              description: 'Prometheus text format 0.0.4',
              content: { 'text/plain': { schema: z.string().meta({ examples: [EXAMPLE] }) } },
            },
          },
          [],
        ),
      },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
};

const EXAMPLE = `# HELP strongbox_queue_jobs Jobs in each BullMQ queue by state
# TYPE strongbox_queue_jobs gauge
strongbox_queue_jobs{queue="jobs",state="waiting",service="api"} 3
`;

export default fp(metrics, { name: 'metrics', dependencies: ['deps'] });
