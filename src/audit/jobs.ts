import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Database } from '../platform/db/index.js';
import { enqueueTaskOnSchedule, type TaskHandler } from '../platform/jobs/index.js';
import type { SystemSchedule } from '../platform/index.js';
import type { Clock } from '../platform/clock.js';
import type { RuntimeSettings } from '../platform/settings/index.js';
import { deleteAuditLogsBefore } from './repo.js';

const DAY_MS = 86_400_000;
/** Rows per DELETE: short statements keep SQLite's writer lock and PostgreSQL's WAL bursts small. */
const BATCH_ROWS = 5000;

export interface AuditRetentionDeps {
  database: Database;
  clock: Clock;
  settings: { get(): Promise<RuntimeSettings> };
}

export const AUDIT_RETENTION_VENDOR = 'AUDIT_LOG_RETENTION';
export const AUDIT_RETENTION_TASK = 'audit-retention';
/** Hourly, five minutes past. */
export const AUDIT_RETENTION_CRON = '0 5 * * * *';

/** Hourly: audit rows older than `audit_log_retention_days` are deleted, in batches. */
export const auditRetentionSchedule: SystemSchedule = {
  vendorType: AUDIT_RETENTION_VENDOR,
  cron: AUDIT_RETENTION_CRON,
  handler: enqueueTaskOnSchedule(AUDIT_RETENTION_TASK),
};

export function auditRetentionTasks(deps: AuditRetentionDeps): Record<string, TaskHandler> {
  return {
    [AUDIT_RETENTION_TASK]: async ({ log }) => {
      const purged = await purgeAuditLogs(deps);
      await log(`purged ${purged} audit log rows past the retention period`);
      return { purged_rows: purged };
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
