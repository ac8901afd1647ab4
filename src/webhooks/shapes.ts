import { z } from 'zod';
import { NOTIFY_TYPES, PAYLOAD_FORMATS, WEBHOOK_EVENT_TYPES } from './schema.js';

/** Harbor's WebhookTargetObject. */
export const WebhookTargetObjectShape = z.strictObject({
  type: z.enum(NOTIFY_TYPES),
  address: z.string(),
  auth_header: z.string(),
  skip_cert_verify: z.boolean(),
  payload_format: z.enum(PAYLOAD_FORMATS),
});

/** Harbor's WebhookPolicy. */
export const WebhookPolicyShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  project_id: z.int(),
  targets: z.array(WebhookTargetObjectShape),
  event_types: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  creator: z.string(),
  creation_time: z.string(),
  update_time: z.string(),
  enabled: z.boolean(),
});

/** Harbor's SupportedWebhookEventTypes: what a policy may listen to, and how it may deliver. */
export const SupportedWebhookEventTypesShape = z.strictObject({
  event_type: z.array(z.string()),
  notify_type: z.array(z.string()),
  payload_formats: z.array(z.strictObject({ notify_type: z.string(), formats: z.array(z.string()) })),
});

/** Harbor's Metrics: an execution's tasks by status. */
export const MetricsShape = z.strictObject({
  task_count: z.int(),
  success_task_count: z.int(),
  error_task_count: z.int(),
  pending_task_count: z.int(),
  running_task_count: z.int(),
  scheduled_task_count: z.int(),
  stopped_task_count: z.int(),
});

/** Harbor's Execution: one event a policy sent, to each of its targets (the tasks). Times not reached yet are empty. */
export const ExecutionShape = z.strictObject({
  id: z.int(),
  vendor_type: z.string(),
  vendor_id: z.int(),
  status: z.string(),
  status_message: z.string(),
  metrics: MetricsShape,
  trigger: z.string(),
  extra_attrs: z.record(z.string(), z.unknown()),
  start_time: z.string(),
  end_time: z.string(),
});

/** Harbor's Task: one delivery to one target; `run_count` counts the attempts. */
export const TaskShape = z.strictObject({
  id: z.int(),
  execution_id: z.int(),
  status: z.string(),
  status_message: z.string(),
  run_count: z.int(),
  extra_attrs: z.record(z.string(), z.unknown()),
  creation_time: z.string(),
  update_time: z.string(),
  start_time: z.string(),
  end_time: z.string(),
});

export type WebhookPolicyJson = z.infer<typeof WebhookPolicyShape>;
export type SupportedWebhookEventTypesJson = z.infer<typeof SupportedWebhookEventTypesShape>;
export type ExecutionJson = z.infer<typeof ExecutionShape>;
export type TaskJson = z.infer<typeof TaskShape>;
