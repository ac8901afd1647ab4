import type { FeatureModule } from '../platform/index.js';
import type { ContentDeps } from './deps.js';
import { purgeUploadFilesSchedule, purgeUploadFilesTasks } from './purge-upload-files.js';
import { purgeUploadsSchedule, purgeUploadsTasks } from './purge-uploads.js';
import type { ContentService } from './service.js';

/** Content's background work: abandoned uploads are purged every minute, upload files left without an upload every hour. */
export const contentModule: FeatureModule<ContentDeps & { content: ContentService }> = {
  name: 'content',
  tasks: (deps) => ({ ...purgeUploadsTasks(deps), ...purgeUploadFilesTasks(deps) }),
  schedules: (deps) => [purgeUploadsSchedule(deps), purgeUploadFilesSchedule()],
};
