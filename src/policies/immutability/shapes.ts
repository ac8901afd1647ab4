import { z } from 'zod';

/** Harbor's ImmutableSelector: `matches`/`excludes` for tags, `repoMatches`/`repoExcludes` for repositories. */
export const ImmutableSelectorShape = z.strictObject({
  kind: z.literal('doublestar'),
  decoration: z.enum(['matches', 'excludes', 'repoMatches', 'repoExcludes']),
  pattern: z.string(),
  extras: z.string().optional(),
});

/** Harbor's ImmutableRule. */
export const ImmutableRuleShape = z.strictObject({
  id: z.int(),
  priority: z.int(),
  disabled: z.boolean(),
  action: z.literal('immutable'),
  template: z.literal('immutable_template'),
  params: z.record(z.string(), z.unknown()),
  tag_selectors: z.array(ImmutableSelectorShape),
  scope_selectors: z.strictObject({ repository: z.array(ImmutableSelectorShape) }),
});

export type ImmutableRuleJson = z.infer<typeof ImmutableRuleShape>;
