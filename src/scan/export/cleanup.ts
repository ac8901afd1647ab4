import type { Database } from '../../platform/db/index.js';
import { enqueueTaskOnSchedule, type TaskHandler } from '../../platform/jobs/index.js';
import type { SystemSchedule } from '../../platform/index.js';
import type { StorageDriver } from '../../platform/storage/index.js';

export const CVE_EXPORT_CLEANUP_VENDOR = 'CVE_EXPORT_CLEANUP';
export const CVE_EXPORT_CLEANUP_TASK = 'cve-export-cleanup';
/** Daily at 04:41 UTC, after the housekeeping that removes old executions. */
const CLEANUP_CRON = '0 41 4 * * *';
/** Exports removed per query. */
const BATCH = 100;

/**
 * An export lives as long as its execution: once housekeeping removed the execution (after
 * `housekeeping.executionsDays`), the CSV file and its row go too, so exports never pile up.
 */
export const cveExportCleanupSchedule: SystemSchedule = {
  vendorType: CVE_EXPORT_CLEANUP_VENDOR,
  cron: CLEANUP_CRON,
  handler: enqueueTaskOnSchedule(CVE_EXPORT_CLEANUP_TASK),
};

/** Deletes the files and rows of exports whose execution is gone; answers how many. */
export async function removeOrphanedExports(deps: { database: Database; storage: StorageDriver }, signal?: AbortSignal): Promise<number> {
  const db = deps.database.db;
  let removed = 0;
  for (;;) {
    signal?.throwIfAborted();
    const orphans = await db
      .selectFrom('scan_exports as x')
      .leftJoin('executions as e', 'e.id', 'x.execution_id')
      .select(['x.id', 'x.path'])
      .where('e.id', 'is', null)
      .orderBy('x.id')
      .limit(BATCH)
      .execute();
    // The file first: a row without its file is harmless, a file without its row would never be found again.
    for (const orphan of orphans) await deps.storage.delete(orphan.path);
    if (orphans.length > 0)
      await db
        .deleteFrom('scan_exports')
        .where(
          'id',
          'in',
          orphans.map((o) => o.id),
        )
        .execute();
    removed += orphans.length;
    if (orphans.length < BATCH) return removed;
  }
}

export function cveExportCleanupTasks(deps: { database: Database; storage: StorageDriver }): Record<string, TaskHandler> {
  return {
    [CVE_EXPORT_CLEANUP_TASK]: async ({ log, signal }) => {
      const removed = await removeOrphanedExports(deps, signal);
      await log(`removed ${removed} CVE exports whose execution has expired`);
      return { removed };
    },
  };
}
