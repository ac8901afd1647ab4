import type { FeatureModule } from '../platform/module.js';
import type { RegistryDeps } from './deps.js';
import { purgeUploadsSchedule, purgeUploadsTasks } from './purge-uploads.js';

/** Content's background work: abandoned uploads are purged every ten minutes. */
export const contentModule: FeatureModule<RegistryDeps> = {
  name: 'content',
  tasks: purgeUploadsTasks,
  schedules: () => [purgeUploadsSchedule],
};
