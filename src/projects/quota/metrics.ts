import type { Database } from '../../platform/db/index.js';
import type { Metrics } from '../../platform/metrics/index.js';
import { totalUsedStorage } from './ledger.js';

/**
 * Storage the projects use, read from the quota ledger when scraped. One total, not one
 * series per project: /metrics is unauthenticated, and project names are not for everyone.
 */
export function storageMetrics(metrics: Metrics, database: Database): void {
  metrics.gauge(
    'berth_storage_used_bytes',
    'Bytes the artifacts of all projects hold, as their quotas count them (a blob counts once per project holding it)',
    [],
    async (gauge) => gauge.set(await totalUsedStorage(database.db)),
  );
}
