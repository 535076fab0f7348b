import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

// prom-client's default gauges of these sums are named `…_total`, which Prometheus keeps for
// counters (`promtool check metrics` refuses them); the same figures by type stay, as
// `strongbox_nodejs_active_handles{type}` and so on: sum them for the total.
const GAUGES_NAMED_AS_COUNTERS = [
  'strongbox_nodejs_active_handles_total',
  'strongbox_nodejs_active_requests_total',
  'strongbox_nodejs_active_resources_total',
];

/** A registry of one process's metrics, with Node's own (CPU, memory, event loop lag, handles). */
export function createRegistry(service: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'strongbox_' });
  for (const name of GAUGES_NAMED_AS_COUNTERS) registry.removeSingleMetric(name);
  return registry;
}

/**
 * `strongbox_backup_last_success_timestamp_seconds`: when the newest successful backup of any
 * folder ended, read from MySQL at scrape time, so that every process that exposes it tells the
 * same truth, whichever worker ran the backup. One gauge without labels: a label per folder would
 * make a series per folder. A read that fails leaves the last value read.
 */
export function lastSuccessGauge(registry: Registry, read: () => Promise<Date | null>): Gauge {
  return new Gauge({
    name: 'strongbox_backup_last_success_timestamp_seconds',
    help: 'When the newest successful backup (of any folder) ended, in seconds since the epoch; 0 before the first',
    registers: [registry],
    async collect() {
      const last = await read().catch(() => undefined);
      if (last !== undefined) this.set(last === null ? 0 : last.getTime() / 1000);
    },
  });
}
