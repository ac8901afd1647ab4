import { enqueueTaskOnSchedule, type TaskHandler } from '../platform/jobs/index.js';
import type { SystemSchedule } from '../platform/index.js';
import { uploadDir } from '../platform/storage/index.js';
import type { ContentDeps } from './deps.js';

export const PURGE_UPLOADS_VENDOR = 'PURGE_UPLOADS';
export const PURGE_UPLOADS_TASK = 'purge-uploads';
/** Every ten minutes. */
export const PURGE_UPLOADS_CRON = '0 */10 * * * *';

/** Uploads idle longer than `registry.uploadTimeoutMinutes` are abandoned: their bytes are freed. Answers how many went. */
export async function purgeAbandonedUploads(deps: ContentDeps): Promise<number> {
  const cutoff = deps.clock.now() - deps.config.registry.uploadTimeoutMinutes * 60 * 1000;
  const stale = await deps.database.db.selectFrom('uploads').select('id').where('updated_at', '<', cutoff).limit(1000).execute();
  for (const { id } of stale) {
    await deps.database.db.deleteFrom('uploads').where('id', '=', id).execute();
    await deps.storage.delete(uploadDir(id));
  }
  return stale.length;
}

export const purgeUploadsSchedule: SystemSchedule = {
  vendorType: PURGE_UPLOADS_VENDOR,
  cron: PURGE_UPLOADS_CRON,
  handler: enqueueTaskOnSchedule(PURGE_UPLOADS_TASK),
};

export function purgeUploadsTasks(deps: ContentDeps): Record<string, TaskHandler> {
  return {
    [PURGE_UPLOADS_TASK]: async ({ log }) => {
      const purged = await purgeAbandonedUploads(deps);
      await log(`purged ${purged} abandoned uploads`);
      return { purged_uploads: purged };
    },
  };
}
