import type { FeatureModule } from '../platform/index.js';
import type { ContentDeps } from './deps.js';
import { purgeUploadsSchedule, purgeUploadsTasks } from './purge-uploads.js';

/** Content's background work: abandoned uploads are purged every ten minutes. */
export const contentModule: FeatureModule<ContentDeps> = {
  name: 'content',
  tasks: purgeUploadsTasks,
  schedules: () => [purgeUploadsSchedule],
};
