import { z } from 'zod';

/** Harbor's Label: `g` a global label (`project_id` 0), `p` one of a project's. */
export const LabelShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  color: z.string(),
  scope: z.enum(['g', 'p']),
  project_id: z.int(),
  creation_time: z.string(),
  update_time: z.string(),
});

export type LabelJson = z.infer<typeof LabelShape>;
