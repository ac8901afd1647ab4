/** Fields the administration pages read, as the API answers them. */

export interface User {
  user_id: number;
  username: string;
  email: string;
  realname: string;
  sysadmin_flag: boolean;
  creation_time: string;
}

export type GcScheduleType = 'None' | 'Hourly' | 'Daily' | 'Weekly' | 'Custom' | 'Manual' | 'Schedule';

export interface GcRun {
  id: number;
  job_kind: string;
  job_parameters?: string;
  job_status: string;
  creation_time?: string;
  update_time?: string;
}

export interface GcSchedule {
  schedule: { type: GcScheduleType; cron?: string; next_scheduled_time?: string };
  job_parameters?: string;
}

export interface AuditLog {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip: string | null;
  success: boolean;
}

export interface JobQueue {
  job_type: string;
  count: number;
  latency: number;
  paused: boolean;
}

export interface WorkerPool {
  pid: number;
  worker_pool_id: string;
  start_at?: string;
  heartbeat_at?: string;
  concurrency: number;
  host: string;
}

export interface Worker {
  id: string;
  pool_id: string;
  job_name: string;
  job_id: string;
  start_at?: string;
  checkin_at?: string;
}

export interface ConfigItem<T> {
  value: T;
  editable: boolean;
}

export interface Configurations {
  auth_mode: ConfigItem<string>;
  self_registration: ConfigItem<boolean>;
  project_creation_restriction: ConfigItem<'everyone' | 'adminonly'>;
  storage_per_project: ConfigItem<number>;
  read_only: ConfigItem<boolean>;
}

export interface SystemInfo {
  harbor_version: string;
  berth_version: string;
  auth_mode: string;
  external_url?: string;
  registry_url?: string;
  read_only?: boolean;
  registry_storage_provider_name?: string;
  current_time: string;
}

export interface Volumes {
  storage: Array<{ total: number; free: number }>;
}

export interface Label {
  id: number;
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  /** The project of a project label (scope p); 0 for a global one. */
  project_id: number;
  creation_time: string;
}
