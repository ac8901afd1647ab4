import { type AccessControl, type Identity, ROLE_BY_ID, subjectPermits, userMemberRows } from '../auth/index.js';
import type { Database, Project } from '../platform/db/index.js';
import type { AuditScope } from './repo.js';

/**
 * What `GET /audit-logs` shows a caller, as Harbor decides it: everything with the system
 * `audit-log:list`; otherwise the logs of the projects where the caller holds `log:list`.
 * Rows without a project (logins, user changes) need the system permission.
 */
export async function auditScopeOf(deps: { database: Database; access: AccessControl }, identity: Identity): Promise<AuditScope> {
  if (deps.access.systemCan(identity, 'audit-log', 'list')) return { kind: 'everything' };
  const projectIds: number[] = [];
  for (const project of await candidateProjects(deps.database, identity)) {
    const permissions = await deps.access.forProject(identity, project);
    if (permissions.can('log', 'list')) projectIds.push(project.id);
  }
  return { kind: 'projects', projectIds };
}

/**
 * Projects where the caller might hold `log:list`; AccessControl has the final word on each.
 * Memberships whose role cannot hold it are dropped first, so a developer in hundreds of
 * projects costs one query, not one per project.
 */
async function candidateProjects(database: Database, identity: Identity): Promise<Project[]> {
  if (identity.kind === 'user') {
    const roles = [...ROLE_BY_ID].filter(([, role]) => subjectPermits(role, 'log', 'list')).map(([id]) => id);
    if (roles.length === 0) return [];
    return database.db
      .selectFrom('projects')
      .selectAll('projects')
      .where('id', 'in', userMemberRows(database.db, identity.id).select('project_members.project_id').where('project_members.role', 'in', roles))
      .execute();
  }
  if (identity.kind === 'robot') {
    const namespaces = new Set(identity.grants.map((grant) => grant.namespace).filter((ns) => ns !== '/'));
    if (namespaces.size === 0) return [];
    const query = database.db.selectFrom('projects').selectAll();
    if (namespaces.has('*')) return query.execute();
    return query.where('name', 'in', [...namespaces]).execute();
  }
  return [];
}
