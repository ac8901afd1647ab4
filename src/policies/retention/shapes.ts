import { z } from 'zod';
import { TEMPLATES } from './schema.js';

/** Harbor's RetentionSelector: `matches`/`excludes` for tags, `repoMatches`/`repoExcludes` for repositories. */
export const RetentionSelectorShape = z.strictObject({
  kind: z.literal('doublestar'),
  decoration: z.enum(['matches', 'excludes', 'repoMatches', 'repoExcludes']),
  pattern: z.string(),
  extras: z.string().optional(),
});

/** Harbor's RetentionRule; `params` is keyed by the template's name. */
export const RetentionRuleShape = z.strictObject({
  id: z.int(),
  priority: z.int(),
  disabled: z.boolean(),
  action: z.literal('retain'),
  template: z.enum(TEMPLATES),
  params: z.record(z.string(), z.unknown()),
  tag_selectors: z.array(RetentionSelectorShape),
  scope_selectors: z.strictObject({ repository: z.array(RetentionSelectorShape) }),
});

/** Harbor's RetentionRuleTrigger: the policy runs on its cron; an empty cron, by hand only. */
export const RetentionRuleTriggerShape = z.strictObject({
  kind: z.literal('Schedule'),
  settings: z.strictObject({ cron: z.string().optional() }).optional(),
  references: z.record(z.string(), z.unknown()).optional(),
});

/** Harbor's RetentionPolicy: one per project. */
export const RetentionPolicyShape = z.strictObject({
  id: z.int(),
  algorithm: z.string(),
  rules: z.array(RetentionRuleShape),
  trigger: RetentionRuleTriggerShape,
  scope: z.strictObject({ level: z.literal('project'), ref: z.int() }),
});

/** Harbor's RetentionExecution: one run of the policy. */
export const RetentionExecutionShape = z.strictObject({
  id: z.int(),
  policy_id: z.int(),
  start_time: z.string(),
  end_time: z.string(),
  status: z.string(),
  trigger: z.string(),
  dry_run: z.boolean(),
});

/** Harbor's RetentionExecutionTask: one repository of a run, with how many artifacts it kept of how many. */
export const RetentionExecutionTaskShape = z.strictObject({
  id: z.int(),
  execution_id: z.int(),
  repository: z.string(),
  job_id: z.string(),
  status: z.string(),
  status_code: z.int(),
  status_revision: z.int(),
  start_time: z.string(),
  end_time: z.string(),
  total: z.int(),
  retained: z.int(),
});

export type RetentionPolicyJson = z.infer<typeof RetentionPolicyShape>;
export type RetentionExecutionJson = z.infer<typeof RetentionExecutionShape>;
export type RetentionExecutionTaskJson = z.infer<typeof RetentionExecutionTaskShape>;
