import type { ApiDeps } from '../../api/index.js';
import type { FeatureModule } from '../../platform/index.js';
import { retentionScheduleHandlers, retentionTasks } from './jobs.js';
import { retentionApi } from './routes.js';

export { retentionApi } from './routes.js';
export {
  RetentionExecutionShape,
  RetentionExecutionTaskShape,
  RetentionPolicyShape,
  RetentionRuleShape,
  RetentionRuleTriggerShape,
  RetentionSelectorShape,
} from './shapes.js';
export { METADATA_KEY as RETENTION_METADATA_KEY, VENDOR_TYPE as RETENTION_VENDOR_TYPE } from './service.js';

/** Tag retention: the policy API, the per-repository run task, and what a policy's schedule queues. */
export const retentionModule: FeatureModule<ApiDeps> = {
  name: 'retention',
  api: retentionApi,
  tasks: retentionTasks,
  scheduleHandlers: retentionScheduleHandlers,
};
