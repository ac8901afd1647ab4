import { z } from 'zod';
import type { Execution, Task, WebhookPolicyRow } from '../platform/db/index.js';
import type { ExecutionJson, TaskJson, WebhookPolicyJson } from './shapes.js';

/** The events a policy may listen to. */
export const WEBHOOK_EVENT_TYPES = [
  'PUSH_ARTIFACT',
  'PULL_ARTIFACT',
  'DELETE_ARTIFACT',
  'QUOTA_EXCEED',
  'QUOTA_WARNING',
  'TAG_RETENTION',
  'SCANNING_COMPLETED',
  'SCANNING_FAILED',
  'SCANNING_STOPPED',
  'REPLICATION',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const NOTIFY_TYPES = ['http', 'slack'] as const;
export const PAYLOAD_FORMATS = ['Default', 'CloudEvents'] as const;

export function isWebhookEventType(type: string): type is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}

export const webhookTarget = z
  .object({
    type: z.enum(NOTIFY_TYPES).default('http'),
    address: z
      .string()
      .min(1)
      .max(2048)
      .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'must be an http:// or https:// URL'),
    auth_header: z.string().max(4096).optional(),
    skip_cert_verify: z.boolean().optional(),
    payload_format: z.enum(PAYLOAD_FORMATS).optional(),
  })
  .transform((t) => ({
    type: t.type,
    address: t.address,
    auth_header: t.auth_header ?? '',
    skip_cert_verify: t.skip_cert_verify ?? false,
    // Slack receives its own message; the format choice applies to http targets.
    payload_format: t.type === 'slack' ? ('Default' as const) : (t.payload_format ?? 'Default'),
  }));

export type WebhookTarget = z.output<typeof webhookTarget>;

/** Harbor's WebhookPolicy body; read-only fields (id, creator, times) are accepted and ignored. */
export const webhookPolicyBody = z.object({
  id: z.number().int().optional(),
  name: z.string().trim().min(1).max(255),
  description: z.string().max(1024).optional(),
  project_id: z.number().int().optional(),
  targets: z.array(webhookTarget).min(1).max(10),
  event_types: z
    .array(z.string().refine(isWebhookEventType, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
    .min(1)
    .transform((types) => [...new Set(types)] as WebhookEventType[]),
  creator: z.string().optional(),
  creation_time: z.string().optional(),
  update_time: z.string().optional(),
  enabled: z.boolean().optional(),
});

export type WebhookPolicyBody = z.output<typeof webhookPolicyBody>;

export interface WebhookPolicy {
  id: number;
  projectId: number;
  name: string;
  description: string;
  targets: WebhookTarget[];
  eventTypes: WebhookEventType[];
  creator: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export function toPolicy(row: WebhookPolicyRow): WebhookPolicy {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    targets: JSON.parse(row.targets) as WebhookTarget[],
    eventTypes: JSON.parse(row.event_types) as WebhookEventType[],
    creator: row.creator,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** Harbor's WebhookPolicy JSON. */
export function policyJson(policy: WebhookPolicy): WebhookPolicyJson {
  return {
    id: policy.id,
    name: policy.name,
    description: policy.description,
    project_id: policy.projectId,
    targets: policy.targets,
    event_types: policy.eventTypes,
    creator: policy.creator,
    creation_time: iso(policy.createdAt),
    update_time: iso(policy.updatedAt),
    enabled: policy.enabled,
  };
}

export interface TaskCounts {
  total: number;
  byStatus: Record<string, number>;
}

/** Harbor's Execution JSON. */
export function executionJson(execution: Execution, counts: TaskCounts): ExecutionJson {
  const count = (status: string) => counts.byStatus[status] ?? 0;
  return {
    id: execution.id,
    vendor_type: execution.vendor_type,
    vendor_id: execution.vendor_id,
    status: execution.status,
    status_message: execution.status_message,
    metrics: {
      task_count: counts.total,
      success_task_count: count('Success'),
      error_task_count: count('Error'),
      pending_task_count: count('Pending'),
      running_task_count: count('Running'),
      scheduled_task_count: 0,
      stopped_task_count: count('Stopped'),
    },
    trigger: execution.trigger,
    extra_attrs: JSON.parse(execution.extra_attrs) as Record<string, unknown>,
    start_time: iso(execution.start_time),
    end_time: iso(execution.end_time),
  };
}

/** Harbor's Task JSON. */
export function taskJson(task: Task): TaskJson {
  return {
    id: task.id,
    execution_id: task.execution_id,
    status: task.status,
    status_message: task.status_message,
    run_count: task.attempts,
    extra_attrs: JSON.parse(task.extra_attrs) as Record<string, unknown>,
    creation_time: iso(task.created_at),
    update_time: iso(task.update_time),
    start_time: iso(task.start_time),
    end_time: iso(task.end_time),
  };
}
