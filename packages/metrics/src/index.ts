export { type FolderEnds, type FolderMetricsSource, folderMetrics } from './folder-metrics.js';
export { type AttemptOutcome, createJobMetrics, type JobMetrics } from './job-metrics.js';
export { type MetricsServerOptions, startMetricsServer } from './metrics-server.js';
export { type EndedAttempt, recordAttempt } from './record-attempt.js';
export { createRegistry, lastSuccessGauge } from './registry.js';
