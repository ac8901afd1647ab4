import type { Database } from '../db/index.js';
import type { Metrics } from './metrics.js';

/** The database pool, read when scraped. SQLite has no pool: these stay empty there. */
export function poolMetrics(metrics: Metrics, database: Database): void {
  const stats = () => database.pool?.();
  metrics.gauge('berth_db_pool_connections', 'Database connections open, by state', ['state'], (gauge) => {
    const now = stats();
    if (!now) return;
    gauge.set({ state: 'idle' }, now.idle);
    gauge.set({ state: 'busy' }, now.total - now.idle);
  });
  metrics.gauge('berth_db_pool_waiting', 'Queries waiting for a free database connection', [], (gauge) => {
    const now = stats();
    if (now) gauge.set(now.waiting);
  });
  metrics.gauge('berth_db_pool_max', 'Most database connections the pool opens (database.poolSize)', [], (gauge) => {
    const now = stats();
    if (now) gauge.set(now.max);
  });
}
