export { JobRunner, type PeriodicJob } from './runner.js';
export { backoffMs, FinalTaskError, JobService, type JobServiceOptions, type TaskContext, type TaskHandler } from './service.js';
export {
  appendTasks,
  enqueue,
  executionLog,
  FINAL_STATUSES,
  findExecution,
  findTask,
  EXECUTION_QUERY_FIELDS,
  listExecutions,
  listTasks,
  TASK_QUERY_FIELDS,
  mergeExtraAttrs,
  refreshExecution,
  stopExecution,
  stopTask,
  taskLog,
  tasksOf,
  type ExecutionSpec,
  type TaskSpec,
  type Trigger,
} from './queue.js';
export {
  CronError,
  enqueueTaskOnSchedule,
  ensureSystemSchedules,
  findSchedule,
  nextRun,
  validateCron,
  MIN_SCHEDULE_INTERVAL_MS,
  removeSchedule,
  SCHEDULE_PRESETS,
  setSchedule,
  type ScheduleHandler,
} from './schedules.js';
export { pausedKinds, queues, runningTasksOf, setPausedKinds, PAUSED_SETTING, type QueueRow } from './monitor-repo.js';
