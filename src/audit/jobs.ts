import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from '../platform/db/index.js';
import type { PeriodicJob } from '../platform/jobs/index.js';
import type { Clock } from '../platform/clock.js';
import type { RuntimeSettings } from '../system/index.js';
import { deleteAuditLogsBefore } from './repo.js';

const DAY_MS = 86_400_000;
/** Rows per DELETE: short statements keep SQLite's writer lock and PostgreSQL's WAL bursts small. */
const BATCH_ROWS = 5000;

export interface AuditRetentionDeps {
  database: Database;
  clock: Clock;
  settings: { get(): Promise<RuntimeSettings> };
}

/** Hourly: audit rows older than `audit_log_retention_days` are deleted, in batches. */
export function auditRetentionJob(deps: AuditRetentionDeps): PeriodicJob {
  return {
    name: 'audit-retention',
    everyMs: 60 * 60 * 1000,
    async run() {
      await purgeAuditLogs(deps);
    },
  };
}

/** Answers how many rows were deleted. */
export async function purgeAuditLogs(deps: AuditRetentionDeps): Promise<number> {
  const { audit_log_retention_days: days } = await deps.settings.get();
  // A mistyped setting must not wipe the log: only a positive number of days purges.
  if (!Number.isFinite(days) || days < 1) return 0;
  const cutoff = deps.clock.now() - days * DAY_MS;
  let total = 0;
  for (;;) {
    const deleted = await deleteAuditLogsBefore(deps.database.db, cutoff, BATCH_ROWS);
    total += deleted;
    if (deleted < BATCH_ROWS) return total;
    // better-sqlite3 runs synchronously: let requests in between batches.
    await yieldToEventLoop();
  }
}
