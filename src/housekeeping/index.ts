import type { FeatureModule } from '../platform/index.js';
import { housekeepingSchedule, housekeepingTasks, type HousekeepingDeps } from './jobs.js';

export { HOUSEKEEPING_CRON, HOUSEKEEPING_TASK, HOUSEKEEPING_VENDOR, purgeExpired, type HousekeepingDeps, type HousekeepingResult } from './jobs.js';

/** Default retention of outbox events and finished executions: an hourly system schedule and its task. */
export const housekeepingModule: FeatureModule<HousekeepingDeps> = {
  name: 'housekeeping',
  tasks: housekeepingTasks,
  schedules: () => [housekeepingSchedule],
};
