export { LATENCY_BUCKETS, METRICS_CONTENT_TYPE, Metrics, TASK_BUCKETS } from './metrics.js';
export { RequestMetrics, UNMATCHED_ROUTE, type RequestOutcome } from './requests.js';
export { closeListener, listenForMetrics, METRICS_PATH, registerMetricsRoute } from './listener.js';
export { poolMetrics } from './pool.js';
