import type { z } from 'zod';
import type { Execution, JobStatus, Task } from '../../platform/db/index.js';
import type { ReplicationExecutionShape, ReplicationTaskShape } from '../shapes.js';

/** Harbor's replication statuses. */
const EXECUTION_STATUS: Readonly<Record<JobStatus, z.infer<typeof ReplicationExecutionShape>['status']>> = {
  Pending: 'InProgress',
  Running: 'InProgress',
  Success: 'Succeed',
  Error: 'Failed',
  Stopped: 'Stopped',
};
/** A run's or a copy's status as Harbor's replication API spells it (Succeed, Failed, Stopped, InProgress). */
export function harborStatus(status: JobStatus): string {
  return EXECUTION_STATUS[status];
}

const TRIGGER: Readonly<Record<string, string>> = { MANUAL: 'manual', SCHEDULE: 'scheduled', EVENT: 'event_based' };

const time = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function attrs(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Harbor's ReplicationExecution: the run, and how its copy tasks stand. */
export function executionJson(execution: Execution, copies: readonly Task[], planFailure: string | undefined): z.infer<typeof ReplicationExecutionShape> {
  const count = (status: JobStatus) => copies.filter((t) => t.status === status).length;
  return {
    id: Number(execution.id),
    policy_id: Number(execution.vendor_id),
    status: EXECUTION_STATUS[execution.status],
    trigger: TRIGGER[execution.trigger] ?? execution.trigger.toLowerCase(),
    start_time: time(execution.start_time),
    end_time: time(execution.end_time),
    status_text: planFailure ?? execution.status_message,
    total: copies.length,
    failed: count('Error'),
    succeed: count('Success'),
    in_progress: count('Pending') + count('Running'),
    stopped: count('Stopped'),
  };
}

/** Harbor's ReplicationTask: one artifact's copy. */
export function taskJson(task: Task): z.infer<typeof ReplicationTaskShape> {
  const params = attrs(task.params);
  const result = attrs(task.extra_attrs);
  const tags = Array.isArray(params.tags) && params.tags.length > 0 ? `:[${(params.tags as string[]).join(',')}]` : `@${String(params.digest ?? '')}`;
  return {
    id: Number(task.id),
    execution_id: Number(task.execution_id),
    resource_type: 'artifact',
    src_resource: typeof result.src_resource === 'string' ? result.src_resource : `${String(params.sourceRepository ?? '')}${tags}`,
    dst_resource: typeof result.dst_resource === 'string' ? result.dst_resource : `${String(params.destinationRepository ?? '')}${tags}`,
    operation: typeof result.operation === 'string' ? result.operation : 'copy',
    job_id: String(task.id),
    status: EXECUTION_STATUS[task.status],
    status_message: task.status_message,
    bytes_sent: typeof result.bytes_sent === 'number' ? result.bytes_sent : 0,
    start_time: time(task.start_time),
    end_time: time(task.end_time),
  };
}
