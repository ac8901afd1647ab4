import { enqueueTaskOnSchedule, type TaskHandler } from '../platform/jobs/index.js';
import type { SystemSchedule } from '../platform/index.js';
import { uploadDir } from '../platform/storage/index.js';
import type { ContentDeps } from './deps.js';
import type { ContentService } from './service.js';

export const PURGE_UPLOAD_FILES_VENDOR = 'PURGE_UPLOAD_FILES';
export const PURGE_UPLOAD_FILES_TASK = 'purge-upload-files';
/** Hourly: files left without an upload are rare (a crash between two steps, a storage error). */
export const PURGE_UPLOAD_FILES_CRON = '0 41 * * * *';

/**
 * Upload files in storage whose upload is gone: left when an instance died between deleting an
 * upload's row and its bytes, or when removing them failed (a project deleted while its storage
 * was unreachable). They hold space nothing accounts for, so they go. An upload's row is written
 * before its first byte, so bytes without a row were abandoned, whatever their age; uploads this
 * instance is writing are left alone all the same. Answers how many went.
 */
export async function purgeUploadFiles(deps: Pick<ContentDeps, 'database' | 'storage'>, writing: ReadonlySet<string> = new Set()): Promise<number> {
  let purged = 0;
  for await (const names of deps.storage.list('uploads')) {
    const candidates = names.filter((name) => !writing.has(name));
    if (candidates.length === 0) continue;
    const known = await deps.database.db.selectFrom('uploads').select('id').where('id', 'in', candidates).execute();
    const kept = new Set(known.map((row) => row.id));
    for (const name of candidates) {
      if (kept.has(name)) continue;
      await deps.storage.delete(uploadDir(name));
      purged += 1;
    }
  }
  return purged;
}

export function purgeUploadFilesTasks(deps: ContentDeps & { content: ContentService }): Record<string, TaskHandler> {
  return {
    [PURGE_UPLOAD_FILES_TASK]: async ({ log }) => {
      const purged = await purgeUploadFiles(deps, deps.content.uploads.writing);
      await log(`removed the files of ${purged} uploads that no longer exist`);
      return { purged_upload_files: purged };
    },
  };
}

export function purgeUploadFilesSchedule(): SystemSchedule {
  const enqueue = enqueueTaskOnSchedule(PURGE_UPLOAD_FILES_TASK);
  return { vendorType: PURGE_UPLOAD_FILES_VENDOR, cron: PURGE_UPLOAD_FILES_CRON, handler: (trx, schedule, now) => enqueue(trx, schedule, now) };
}
