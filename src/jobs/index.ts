export { JobRunner, type PeriodicJob } from './runner.js';
export { backoffMs, JobService, type JobServiceOptions, type TaskContext, type TaskHandler } from './service.js';
export {
  enqueue,
  executionLog,
  FINAL_STATUSES,
  findExecution,
  findTask,
  listExecutions,
  mergeExtraAttrs,
  refreshExecution,
  stopExecution,
  taskLog,
  tasksOf,
  type ExecutionSpec,
  type TaskSpec,
  type Trigger,
} from './queue.js';
export { CronError, findSchedule, nextRun, removeSchedule, SCHEDULE_PRESETS, setSchedule, type ScheduleHandler } from './schedules.js';
export { jobsApi } from './routes.js';
