import { z } from 'zod';

/** Harbor's AuditLog, plus where the request came from and whether it succeeded. */
export const AuditLogShape = z.strictObject({
  id: z.int(),
  username: z.string(),
  resource: z.string(),
  resource_type: z.string(),
  operation: z.string(),
  op_time: z.string(),
  client_ip: z.string().nullable(),
  success: z.boolean(),
});

export type AuditLogJson = z.infer<typeof AuditLogShape>;
