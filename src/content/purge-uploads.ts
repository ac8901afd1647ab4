import { enqueueTaskOnSchedule, type TaskHandler } from '../platform/jobs/index.js';
import type { ExpressionBuilder } from 'kysely';
import type { Tables } from '../platform/db/index.js';
import type { SystemSchedule } from '../platform/index.js';
import { uploadDir } from '../platform/storage/index.js';
import type { ContentDeps } from './deps.js';
import type { ContentService } from './service.js';

export const PURGE_UPLOADS_VENDOR = 'PURGE_UPLOADS';
export const PURGE_UPLOADS_TASK = 'purge-uploads';
/** Every minute: a flood of sessions opened and left is reclaimed within minutes, not hours. */
export const PURGE_UPLOADS_CRON = '0 * * * * *';

/** Rows deleted per statement; a run goes on batch after batch until nothing stale is left. */
export const PURGE_BATCH = 500;
/** Upload directories removed from storage at once. */
const STORAGE_DELETES_AT_ONCE = 16;

interface StaleRule {
  /** Anything idle since before this is abandoned. */
  cutoff: number;
  /** An upload that never received a byte and is idle since before this is abandoned. */
  emptyCutoff: number;
}

function staleRule(deps: ContentDeps, now: number): StaleRule {
  const { uploadTimeoutMinutes, emptyUploadTimeoutMinutes } = deps.config.registry;
  return { cutoff: now - uploadTimeoutMinutes * 60_000, emptyCutoff: now - Math.min(emptyUploadTimeoutMinutes, uploadTimeoutMinutes) * 60_000 };
}

function isStale(rule: StaleRule) {
  return (eb: ExpressionBuilder<Tables, 'uploads'>) =>
    eb.and([eb('updated_at', '<', rule.emptyCutoff), eb.or([eb('size', '=', 0), eb('updated_at', '<', rule.cutoff)])]);
}

/**
 * Abandoned uploads go, with their bytes: those idle longer than `registry.uploadTimeoutMinutes`,
 * and those that never received a byte and are idle longer than `registry.emptyUploadTimeoutMinutes`.
 * Every stale row goes in one run, in batches. An upload being written is never taken: each
 * write marks its row when it starts and every half minute while bytes arrive (on any instance),
 * the delete re-checks staleness row by row, and uploads this instance is writing are skipped
 * even when a stalled body has not marked them lately. Answers how many went.
 */
export async function purgeAbandonedUploads(deps: ContentDeps, writing: ReadonlySet<string> = new Set()): Promise<number> {
  const { db } = deps.database;
  const rule = staleRule(deps, deps.clock.now());
  let purged = 0;
  let after: { updatedAt: number; id: string } | undefined;
  for (;;) {
    let page = db.selectFrom('uploads').select(['id', 'updated_at']).where(isStale(rule));
    if (after) {
      const { updatedAt, id } = after;
      page = page.where((eb) => eb.or([eb('updated_at', '>', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '>', id)])]));
    }
    const rows = await page.orderBy('updated_at').orderBy('id').limit(PURGE_BATCH).execute();
    const last = rows[rows.length - 1];
    if (!last) break;
    after = { updatedAt: Number(last.updated_at), id: last.id };
    const ids = rows.map((r) => r.id).filter((id) => !writing.has(id));
    if (ids.length > 0) {
      // Deleted only if still stale now: a write that marked the row meanwhile keeps it.
      const gone = await db.deleteFrom('uploads').where('id', 'in', ids).where(isStale(rule)).returning('id').execute();
      await removeDirectories(
        deps,
        gone.map((r) => r.id),
      );
      purged += gone.length;
    }
    if (rows.length < PURGE_BATCH) break;
  }
  return purged;
}

async function removeDirectories(deps: ContentDeps, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += STORAGE_DELETES_AT_ONCE) {
    await Promise.all(ids.slice(i, i + STORAGE_DELETES_AT_ONCE).map((id) => deps.storage.delete(uploadDir(id))));
  }
}

/**
 * The purge's schedule. A run is queued only when some upload is stale (one indexed probe):
 * every minute, a run each time would fill the job history with runs that found nothing.
 */
export function purgeUploadsSchedule(deps: ContentDeps): SystemSchedule {
  const enqueue = enqueueTaskOnSchedule(PURGE_UPLOADS_TASK);
  return {
    vendorType: PURGE_UPLOADS_VENDOR,
    cron: PURGE_UPLOADS_CRON,
    handler: async (trx, schedule, now) => {
      const stale = await trx
        .selectFrom('uploads')
        .select('id')
        .where(isStale(staleRule(deps, now)))
        .limit(1)
        .executeTakeFirst();
      if (stale) await enqueue(trx, schedule, now);
    },
  };
}

export function purgeUploadsTasks(deps: ContentDeps & { content: ContentService }): Record<string, TaskHandler> {
  return {
    [PURGE_UPLOADS_TASK]: async ({ log }) => {
      const purged = await purgeAbandonedUploads(deps, deps.content.uploads.writing);
      await log(`purged ${purged} abandoned uploads`);
      return { purged_uploads: purged };
    },
  };
}
