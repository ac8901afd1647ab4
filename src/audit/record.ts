import type { Executor } from '../platform/db/index.js';

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

/**
 * Cuts text to the column's length (in characters, as PostgreSQL's varchar counts them): names
 * and addresses in failed logins are whatever a stranger sent.
 */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  // Do not end on half of a surrogate pair.
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/** The audit_logs columns' lengths. */
const MAX_RESOURCE_TYPE = 64;
const MAX_RESOURCE = 1024;
const MAX_USERNAME = 255;
const MAX_CLIENT_IP = 64;

function row(entry: AuditEntry) {
  return {
    project_id: entry.projectId,
    operation: entry.operation,
    resource_type: bounded(entry.resourceType, MAX_RESOURCE_TYPE),
    resource: bounded(entry.resource, MAX_RESOURCE),
    username: bounded(entry.username, MAX_USERNAME),
    client_ip: entry.clientIp == null ? null : bounded(entry.clientIp, MAX_CLIENT_IP),
    success: entry.success === false ? 0 : 1,
    op_time: entry.at,
  };
}

/** Writes one audit log row, in the caller's transaction when one is given. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db.insertInto('audit_logs').values(row(entry)).execute();
}

/** Records a login attempt (the token service's): no project, the user as the resource. */
export async function recordLogin(db: Executor, attempt: { username: string; clientIp: string; success: boolean; at: number }): Promise<void> {
  await recordAudit(db, {
    projectId: null,
    operation: 'login',
    resourceType: 'user',
    resource: bounded(attempt.username, MAX_USERNAME),
    username: attempt.username,
    clientIp: attempt.clientIp,
    success: attempt.success,
    at: attempt.at,
  });
}

/** Rows per INSERT: well under both engines' limits on bound parameters. */
const BATCH = 500;

/** Writes many audit rows with few statements (pull entries arrive by the thousand). */
export async function recordAudits(db: Executor, entries: readonly AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += BATCH) {
    await db
      .insertInto('audit_logs')
      .values(entries.slice(i, i + BATCH).map(row))
      .execute();
  }
}
