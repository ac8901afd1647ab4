import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { gcScheduleHandlers, gcTasks } from './jobs.js';
import { gcApi } from './routes.js';

export { gcApi } from './routes.js';
export { collectGarbage, type GcOptions, type GcProgress } from './collector.js';
export { GC_VENDOR } from './schema.js';
export { GCHistoryShape, ScheduleObjShape } from './shapes.js';

/** Online garbage collection: its API, the GC task, and what its schedule queues. */
export const gcModule: FeatureModule<ApiDeps> = {
  name: 'gc',
  api: gcApi,
  tasks: gcTasks,
  scheduleHandlers: gcScheduleHandlers,
};
