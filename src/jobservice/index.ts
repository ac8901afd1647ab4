import type { ApiDeps } from '../api/index.js';
import type { FeatureModule } from '../platform/index.js';
import { jobsApi } from './routes.js';

export { jobsApi } from './routes.js';
export { JobQueueShape, WorkerPoolShape, WorkerShape } from './shapes.js';

/** Job service monitoring (/jobservice/…) and /schedules. */
export const jobserviceModule: FeatureModule<ApiDeps> = { name: 'jobservice', api: jobsApi };
