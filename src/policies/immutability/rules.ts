import { z } from 'zod';
import { doublestarMatch, doublestarPattern } from '../../platform/lib/index.js';

const selector = z.object({
  kind: z.literal('doublestar'),
  decoration: z.string(),
  pattern: doublestarPattern(),
  extras: z.string().optional(),
});

export const tagSelectors = z
  .array(selector.extend({ decoration: z.enum(['matches', 'excludes']) }))
  .min(1)
  .max(10);
export const scopeSelectors = z.object({
  repository: z
    .array(selector.extend({ decoration: z.enum(['repoMatches', 'repoExcludes']) }))
    .min(1)
    .max(10),
});

/** Harbor's ImmutableRule body. */
export const immutableRuleBody = z.object({
  id: z.number().int().optional(),
  priority: z.number().int().min(0).max(1000).optional(),
  disabled: z.boolean().optional(),
  action: z.literal('immutable').optional(),
  template: z.literal('immutable_template').optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  tag_selectors: tagSelectors,
  scope_selectors: scopeSelectors,
});

export type TagSelector = z.infer<typeof tagSelectors>[number];
export type ScopeSelectors = z.infer<typeof scopeSelectors>;

export interface ImmutableRule {
  id: number;
  disabled: boolean;
  tagSelectors: TagSelector[];
  scopeSelectors: ScopeSelectors;
}

/** A repository (inside its project) and tag are immutable when an enabled rule selects both. */
export function isImmutable(rules: readonly ImmutableRule[], repository: string, tag: string): boolean {
  return rules.some((rule) => {
    if (rule.disabled) return false;
    const repoSelected = rule.scopeSelectors.repository.every((s) =>
      s.decoration === 'repoMatches' ? doublestarMatch(s.pattern, repository) : !doublestarMatch(s.pattern, repository),
    );
    const tagSelected = rule.tagSelectors.every((s) => (s.decoration === 'matches' ? doublestarMatch(s.pattern, tag) : !doublestarMatch(s.pattern, tag)));
    return repoSelected && tagSelected;
  });
}
