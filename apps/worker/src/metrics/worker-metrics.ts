import type { Config } from '@strongbox/config';
import { metricsTokensOf } from '@strongbox/config';
import { type Db, lastBackupSuccess } from '@strongbox/db';
import {
  createJobMetrics,
  createRegistry,
  type JobMetrics,
  lastSuccessGauge,
  startMetricsServer,
} from '@strongbox/metrics';

export interface WorkerMetrics {
  jobs: JobMetrics;
  /** Where the metrics are served, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  close(): Promise<void>;
}

/**
 * A worker's Prometheus metrics on HOST:`port` (METRICS_PORT; 0 picks a free port), with the API's
 * token rule: job durations, files and bytes copied and linked, the newest success overall, and
 * the process's own figures.
 */
export async function startWorkerMetrics(config: Config, db: Db, port: number): Promise<WorkerMetrics> {
  const registry = createRegistry('worker');
  const jobs = createJobMetrics(registry);
  lastSuccessGauge(registry, () => lastBackupSuccess(db));
  const server = await startMetricsServer({
    registry,
    host: config.host,
    port,
    tokens: metricsTokensOf(config),
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    jobs,
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${bound}/metrics`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
