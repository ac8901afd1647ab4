import type { PeriodicJob } from '../platform/jobs/index.js';
import { uploadDir } from '../platform/storage/index.js';
import type { ContentDeps } from './deps.js';

/** Uploads idle longer than `registry.uploadTimeoutMinutes` are abandoned: their bytes are freed. */
export function purgeUploadsJob(deps: ContentDeps): PeriodicJob {
  return {
    name: 'purge-uploads',
    everyMs: 10 * 60 * 1000,
    async run() {
      const cutoff = deps.clock.now() - deps.config.registry.uploadTimeoutMinutes * 60 * 1000;
      const stale = await deps.database.db.selectFrom('uploads').select('id').where('updated_at', '<', cutoff).limit(1000).execute();
      for (const { id } of stale) {
        await deps.database.db.deleteFrom('uploads').where('id', '=', id).execute();
        await deps.storage.delete(uploadDir(id));
      }
    },
  };
}
