import type { Executor } from '../db/index.js';

export type AuditOperation = 'create' | 'delete' | 'update' | 'pull' | 'push' | 'login' | 'logout';

export interface AuditEntry {
  projectId: number | null;
  operation: AuditOperation;
  /** `project`, `repository`, `artifact`, `tag`, `user`, `member`, `robot`, `session`… */
  resourceType: string;
  /** What was acted on: `library/app:1.0`, a username, a project name… */
  resource: string;
  username: string;
  clientIp?: string | null;
  success?: boolean;
  at: number;
}

/** Writes one audit log row, in the caller's transaction when one is given. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_logs')
    .values({
      project_id: entry.projectId,
      operation: entry.operation,
      resource_type: entry.resourceType,
      resource: entry.resource,
      username: entry.username,
      client_ip: entry.clientIp ?? null,
      success: entry.success === false ? 0 : 1,
      op_time: entry.at,
    })
    .execute();
}
