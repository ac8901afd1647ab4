import type { Executor } from '../platform/db/index.js';
import { storedSettings } from '../platform/settings/index.js';

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

/** Harbor's name for the kind of an entry, as `disabled_audit_log_event_types` lists them: `create_artifact`, `pull_artifact`, `login_user`. */
export function eventTypeOf(entry: Pick<AuditEntry, 'operation' | 'resourceType'>): string {
  return `${entry.operation}_${entry.resourceType}`;
}

/**
 * Which entries the administrator wants kept, read in the writer's transaction: none with
 * `skip_audit_log_database`, and none of the event types `disabled_audit_log_event_types` lists.
 */
async function keptEntries(db: Executor): Promise<(entry: AuditEntry) => boolean> {
  const stored = await storedSettings(db, ['skip_audit_log_database', 'disabled_audit_log_event_types']);
  if (stored.skip_audit_log_database) return () => false;
  const disabled = new Set(
    (stored.disabled_audit_log_event_types ?? '')
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type !== ''),
  );
  return disabled.size === 0 ? () => true : (entry) => !disabled.has(eventTypeOf(entry));
}

/** Writes one audit log row, in the caller's transaction when one is given, unless the settings leave it out. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  if (!(await keptEntries(db))(entry)) return;
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
export async function recordAudits(db: Executor, all: readonly AuditEntry[]): Promise<void> {
  if (all.length === 0) return;
  const entries = all.filter(await keptEntries(db));
  for (let i = 0; i < entries.length; i += BATCH) {
    await db
      .insertInto('audit_logs')
      .values(entries.slice(i, i + BATCH).map(row))
      .execute();
  }
}
