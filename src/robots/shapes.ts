import { z } from 'zod';
import { PermissionShape } from '../auth/index.js';

/** Harbor's Access: one action on one resource a robot is granted (or denied). */
export const AccessShape = z.strictObject({ resource: z.string(), action: z.string(), effect: z.enum(['allow', 'deny']) });

/** Harbor's RobotPermission, plus the repository patterns narrowing a project grant. */
export const RobotPermissionShape = z.strictObject({
  kind: z.enum(['project', 'system']),
  namespace: z.string(),
  access: z.array(AccessShape),
  repository_patterns: z.array(z.string()).optional(),
});

/** Harbor's Robot. `expires_at` is in epoch seconds, -1 for never. */
export const RobotShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  description: z.string(),
  level: z.enum(['system', 'project']),
  duration: z.int(),
  editable: z.boolean(),
  disable: z.boolean(),
  expires_at: z.int(),
  permissions: z.array(RobotPermissionShape),
  creator_type: z.string(),
  creator_ref: z.int(),
  creation_time: z.string(),
  update_time: z.string(),
});

/** Harbor's RobotCreated: the only answer that carries the secret. */
export const RobotCreatedShape = z.strictObject({
  id: z.int(),
  name: z.string(),
  secret: z.string(),
  creation_time: z.string(),
  expires_at: z.int(),
});

/** Harbor's RobotSec: a refreshed secret. */
export const RobotSecShape = z.strictObject({ secret: z.string() });

/** Harbor's Permissions: what a robot may be granted, by level (system administrators see both). */
export const PermissionsShape = z.strictObject({
  system: z.array(PermissionShape).optional(),
  project: z.array(PermissionShape).optional(),
});

export type RobotJson = z.infer<typeof RobotShape>;
export type RobotCreatedJson = z.infer<typeof RobotCreatedShape>;
export type RobotSecJson = z.infer<typeof RobotSecShape>;
export type PermissionsJson = z.infer<typeof PermissionsShape>;
