import { z } from 'zod';
import { doublestarLimits } from '../platform/lib/index.js';

/** Harbor's rule for robot names: `+` is reserved to join a project robot's project and name. */
export const ROBOT_NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Days; Berth's own bound, so expiry times stay exact integers. */
export const MAX_DURATION_DAYS = 1_000_000;
const REPOSITORY_PATTERN = /^[a-z0-9*][a-z0-9._*/-]*$/;

const access = z.object({
  resource: z.string(),
  action: z.string().min(1),
  effect: z.enum(['allow', 'deny']).optional(),
});

const permission = z.object({
  kind: z.enum(['project', 'system']),
  namespace: z.string().min(1),
  access: z.array(access).min(1, 'at least one access item is required').max(500),
  // Beyond Harbor (harbor#10159): narrows repository-scoped access to matching repositories.
  repository_patterns: z
    .array(
      z
        .string()
        .min(1)
        .max(255)
        .regex(REPOSITORY_PATTERN, 'patterns use lowercase repository name characters and * or **; no leading /')
        .superRefine(doublestarLimits('repository')),
    )
    .min(1, 'omit repository_patterns (or send null) to cover the whole project')
    .max(100)
    .nullish(),
});

const duration = z
  .number()
  .int()
  .min(-1, 'duration must be -1 (never) or a number of days')
  .max(MAX_DURATION_DAYS, `duration must be at most ${MAX_DURATION_DAYS} days`)
  .nullish();

export const robotCreateSchema = z.object({
  name: z.string().min(1, 'name is required').max(255).regex(ROBOT_NAME, 'name must match ^[a-z0-9]+(?:[._-][a-z0-9]+)*$'),
  description: z.string().max(1024).nullish(),
  secret: z.string().nullish(),
  level: z.enum(['system', 'project']),
  disable: z.boolean().nullish(),
  duration,
  permissions: z.array(permission).min(1, 'at least one permission is required').max(100),
});

/** Harbor clients send back the whole Robot they read; only these fields may change. */
export const robotUpdateSchema = z.object({
  name: z.string().nullish(),
  level: z.enum(['system', 'project']).nullish(),
  description: z.string().max(1024).nullish(),
  disable: z.boolean().nullish(),
  duration,
  permissions: z.array(permission).min(1, 'at least one permission is required').max(100).nullish(),
});

export const robotSecSchema = z.object({ secret: z.string().nullish() });

export type RobotCreateBody = z.infer<typeof robotCreateSchema>;
export type RobotUpdateBody = z.infer<typeof robotUpdateSchema>;
export type RobotPermissionInput = z.infer<typeof permission>;

export { parseBody } from '../platform/http/index.js';

export type { PermissionsJson, RobotCreatedJson, RobotJson } from './shapes.js';
