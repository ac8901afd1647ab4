import type { FeatureModule } from '../platform/index.js';
import type { ContentDeps } from './deps.js';
import { purgeUploadsSchedule, purgeUploadsTasks } from './purge-uploads.js';
import type { ContentService } from './service.js';

/** Content's background work: abandoned uploads are purged every minute. */
export const contentModule: FeatureModule<ContentDeps & { content: ContentService }> = {
  name: 'content',
  tasks: purgeUploadsTasks,
  schedules: (deps) => [purgeUploadsSchedule(deps)],
};
