import { z } from 'zod';

export const MAX_GROUP_NAME = 255;
export const MAX_GROUP_DN = 512;

const groupName = z
  .string()
  .max(MAX_GROUP_NAME, `must be at most ${MAX_GROUP_NAME} characters`)
  .refine((value) => value.trim() === value, 'must not start or end with spaces');

/** Harbor's UserGroup as clients post it; `id` is read-only and ignored. */
export const userGroupCreate = z.object({
  id: z.number().int().optional(),
  group_name: groupName.optional(),
  group_type: z.number().int({ message: 'must be 1 (LDAP), 2 (HTTP) or 3 (OIDC)' }),
  ldap_group_dn: z.string().max(MAX_GROUP_DN, `must be at most ${MAX_GROUP_DN} characters`).optional(),
});
export type UserGroupCreate = z.output<typeof userGroupCreate>;

/** PUT changes the name only, as in Harbor; the other fields, if sent, are ignored. */
export const userGroupUpdate = z.object({
  id: z.number().int().optional(),
  group_name: groupName.min(1, 'must not be empty'),
  group_type: z.number().int().optional(),
  ldap_group_dn: z.string().optional(),
});
export type UserGroupUpdate = z.output<typeof userGroupUpdate>;

/** Harbor's UserGroup. */
export const UserGroupShape = z.strictObject({
  id: z.int(),
  group_name: z.string(),
  group_type: z.int(),
  ldap_group_dn: z.string(),
});
export type UserGroupJson = z.infer<typeof UserGroupShape>;

/** Harbor's UserGroupSearchItem: what any signed-in user may learn of a group. */
export const UserGroupSearchItemShape = z.strictObject({
  id: z.int(),
  group_name: z.string(),
  group_type: z.int(),
});
export type UserGroupSearchItemJson = z.infer<typeof UserGroupSearchItemShape>;
