import { z } from 'zod';

/** Harbor's Permission: one action on one resource, as the RBAC matrix names them. */
export const PermissionShape = z.strictObject({ resource: z.string(), action: z.string() });

export type PermissionJson = z.infer<typeof PermissionShape>;
