/** Responses the administration pages read, under the server's definition names. */
import type { Definition } from './models';

export type User = Definition<'UserResp'>;
export type GcScheduleType = Definition<'ScheduleObj'>['type'];
/** One run of the garbage collection. */
export type GcRun = Definition<'GCHistory'>;
/** The garbage collection's schedule, which the server answers in a run's shape. */
export type GcSchedule = Definition<'GCHistory'>;
export type AuditLog = Definition<'AuditLog'>;
export type JobQueue = Definition<'JobQueue'>;
export type WorkerPool = Definition<'WorkerPool'>;
export type Worker = Definition<'Worker'>;
export type Configurations = Definition<'ConfigurationsResponse'>;
export type SystemInfo = Definition<'GeneralInfo'>;
export type Volumes = Definition<'SystemInfo'>;
export type Label = Definition<'Label'>;
