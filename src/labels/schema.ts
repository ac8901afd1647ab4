import { z } from 'zod';

export const MAX_LABEL_NAME = 128;

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_LABEL_NAME, `must be at most ${MAX_LABEL_NAME} characters`)
  .refine((value) => value.trim() === value, 'must not start or end with spaces');

// Harbor's portal picks colors as `#RRGGBB`; an empty string means no color.
const color = z.string().regex(/^(#[0-9a-fA-F]{6})?$/, 'must be #RRGGBB or empty');

const description = z.string().max(1024, 'must be at most 1024 characters');

/** Clients post a whole Harbor `Label`; the read-only fields (id, times) are ignored. */
export const labelCreateSchema = z.object({
  name,
  description: description.optional(),
  color: color.optional(),
  scope: z.enum(['g', 'p'], { message: "must be 'g' (global) or 'p' (project)" }),
  project_id: z.number().int().nonnegative().optional(),
});

/** Scope and project cannot change: a label stays where it was made. */
export const labelUpdateSchema = z.object({
  name: name.optional(),
  description: description.optional(),
  color: color.optional(),
});

export const attachLabelSchema = z.object({
  id: z.number().int().positive(),
});

export type LabelCreate = z.output<typeof labelCreateSchema>;
export type LabelUpdate = z.output<typeof labelUpdateSchema>;

export type { LabelJson } from './shapes.js';
