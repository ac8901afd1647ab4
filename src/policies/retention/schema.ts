import { z } from 'zod';
import { doublestarPattern } from '../../platform/lib/index.js';

/** Harbor's rule templates: the param of each is keyed by the template's own name. */
export const TEMPLATES = ['latestPushedK', 'latestPulledN', 'nDaysSinceLastPush', 'nDaysSinceLastPull', 'always'] as const;
export type Template = (typeof TEMPLATES)[number];

/** Templates that take a number, its unit, and the largest value accepted. */
export const TEMPLATE_PARAMS: Readonly<Record<Template, { unit: 'COUNT' | 'DAYS'; max: number } | undefined>> = {
  latestPushedK: { unit: 'COUNT', max: 10_000 },
  latestPulledN: { unit: 'COUNT', max: 10_000 },
  nDaysSinceLastPush: { unit: 'DAYS', max: 36_500 },
  nDaysSinceLastPull: { unit: 'DAYS', max: 36_500 },
  always: undefined,
};

export const MAX_RULES = 15;

/** `extras` is a JSON string; `{"untagged":true}` makes a tag selector take untagged artifacts too. */
const extras = z
  .string()
  .max(1024)
  .refine((text) => {
    if (text === '') return true;
    try {
      const parsed: unknown = JSON.parse(text);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    } catch {
      return false;
    }
  }, 'extras must be a JSON object such as {"untagged":true}');

const tagSelector = z.object({
  kind: z.literal('doublestar'),
  decoration: z.enum(['matches', 'excludes']),
  pattern: doublestarPattern(),
  extras: extras.optional(),
});

const repositorySelector = z.object({
  kind: z.literal('doublestar'),
  decoration: z.enum(['repoMatches', 'repoExcludes']),
  pattern: doublestarPattern(),
  extras: extras.optional(),
});

export const retentionRule = z
  .object({
    id: z.number().int().optional(),
    priority: z.number().int().optional(),
    disabled: z.boolean().optional(),
    action: z.literal('retain').optional(),
    template: z.enum(TEMPLATES),
    params: z.record(z.string(), z.unknown()).optional(),
    tag_selectors: z.array(tagSelector).min(1).max(10),
    scope_selectors: z.object({ repository: z.array(repositorySelector).min(1).max(10) }),
  })
  .superRefine((rule, ctx) => {
    const param = TEMPLATE_PARAMS[rule.template];
    if (!param) return;
    const value = rule.params?.[rule.template];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > param.max) {
      ctx.addIssue({ code: 'custom', path: ['params', rule.template], message: `must be an integer from 0 to ${param.max}` });
    }
  });

export const retentionTrigger = z.object({
  kind: z.literal('Schedule'),
  settings: z.object({ cron: z.string().max(128).optional() }).optional(),
  references: z.record(z.string(), z.unknown()).optional(),
});

/** Harbor's RetentionPolicy body. */
export const retentionPolicyBody = z.object({
  id: z.number().int().optional(),
  algorithm: z.literal('or').optional(),
  rules: z.array(retentionRule).max(MAX_RULES, `a policy holds at most ${MAX_RULES} rules`),
  trigger: retentionTrigger.optional(),
  scope: z.object({ level: z.literal('project'), ref: z.number().int().positive() }),
});

export const runBody = z.object({ dry_run: z.boolean().optional() });
export const operateBody = z.object({ action: z.literal('stop') });

export type RetentionRule = z.infer<typeof retentionRule>;
export type RetentionTrigger = z.infer<typeof retentionTrigger>;
export type RetentionPolicyBody = z.infer<typeof retentionPolicyBody>;
export type TagSelector = z.infer<typeof tagSelector>;

/** Harbor's RetentionMetadata: what the portal offers when a rule is written. */
export const RETENTION_METADATA = {
  templates: [
    {
      rule_template: 'latestPushedK',
      display_text: 'the most recently pushed # artifacts',
      action: 'retain',
      params: [{ type: 'int', unit: 'COUNT', required: true }],
    },
    {
      rule_template: 'latestPulledN',
      display_text: 'the most recently pulled # artifacts',
      action: 'retain',
      params: [{ type: 'int', unit: 'COUNT', required: true }],
    },
    {
      rule_template: 'nDaysSinceLastPush',
      display_text: 'pushed within the last # days',
      action: 'retain',
      params: [{ type: 'int', unit: 'DAYS', required: true }],
    },
    {
      rule_template: 'nDaysSinceLastPull',
      display_text: 'pulled within the last # days',
      action: 'retain',
      params: [{ type: 'int', unit: 'DAYS', required: true }],
    },
    { rule_template: 'always', display_text: 'always', action: 'retain', params: [] },
  ],
  scope_selectors: [{ display_text: 'Repositories', kind: 'doublestar', decorations: ['repoMatches', 'repoExcludes'] }],
  tag_selectors: [{ display_text: 'Tags', kind: 'doublestar', decorations: ['matches', 'excludes'] }],
};
