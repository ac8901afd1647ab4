import { type AccessControl, type ProjectPermissions, isSysadmin, type Identity, REPOSITORY_SCOPED, ROLE_BY_ID, subjectPermits } from '../auth/index.js';
import type { Database, Project } from '../platform/db/index.js';
import { DeniedError, NotFoundError } from '../platform/errors/index.js';
import { userMemberships } from './repo.js';

/** A permission after validation, with its project resolved. */
export interface ResolvedPermission {
  kind: 'project' | 'system';
  namespace: string;
  /** The project a named-project permission refers to. */
  project?: Project;
  access: Array<{ resource: string; action: string; effect: 'allow' | 'deny' }>;
  repositoryPatterns: string[] | null;
}

export interface PolicyDeps {
  database: Database;
  access: AccessControl;
}

/** Routes authenticate their callers first, so an anonymous identity never reaches these checks; were it to, it is refused. */
function refuse(identity: Identity, message: string): DeniedError {
  return new DeniedError('input', identity.kind === 'anonymous' ? 'authentication required' : message);
}

/**
 * Harbor's `requireAccess` for robots: system robots need system `robot:<action>`, project
 * robots project `robot:<action>` in their project. A project the caller cannot see answers 404.
 */
export async function requireRobotAccess(
  deps: PolicyDeps,
  identity: Identity,
  target: { level: 'system' | 'project'; project: Project | undefined },
  action: string,
): Promise<void> {
  if (target.level === 'system') {
    if (!deps.access.systemCan(identity, 'robot', action)) throw refuse(identity, `not allowed to ${action} system robot accounts`);
    return;
  }
  const project = target.project;
  const permissions = project ? await deps.access.forProject(identity, project) : undefined;
  if (project && permissions?.can('robot', action)) return;
  if (!project || !permissions || !knowsProject(permissions)) {
    if (identity.kind === 'anonymous') throw refuse(identity, '');
    throw new NotFoundError('project', `project ${project?.name ?? ''} not found`.trimEnd());
  }
  throw refuse(identity, `not allowed to ${action} robot accounts in project ${project.name}`);
}

/** Whether the caller may learn the project exists (members, public visitors, robots working in it). */
export function knowsProject(permissions: ProjectPermissions): boolean {
  return permissions.can('', 'read') || permissions.can('robot', 'list') || permissions.can('robot', 'read');
}

/**
 * A caller never grants more than it holds: every allowed item of every permission must be
 * held by the caller itself — through a membership or its own grants, never through a
 * project being public — on at least the repositories the new grant reaches.
 * `alreadyGranted` items (what the robot holds today) are exempt, so editing a robot's
 * description does not require holding everything an administrator once gave it.
 */
export async function requireHeld(
  deps: PolicyDeps,
  identity: Identity,
  permissions: readonly ResolvedPermission[],
  alreadyGranted: readonly ResolvedPermission[] = [],
): Promise<void> {
  if (isSysadmin(identity)) return;
  for (const permission of permissions) {
    for (const item of permission.access) {
      if (item.effect !== 'allow') continue;
      if (isAlreadyGranted(alreadyGranted, permission, item.resource, item.action)) continue;
      const what = `${item.resource}:${item.action}`;
      if (permission.kind === 'system') {
        if (!deps.access.systemCan(identity, item.resource, item.action)) throw refuse(identity, `cannot grant system ${what}: you do not hold it`);
        continue;
      }
      const where = permission.project ? `project ${permission.project.name}` : 'all projects';
      const held = await heldPatterns(deps, identity, permission, item.resource, item.action);
      if (held === undefined) throw refuse(identity, `cannot grant ${what} in ${where}: you do not hold it`);
      if (REPOSITORY_SCOPED.has(item.resource) && !patternsCover(held, permission.repositoryPatterns)) {
        throw refuse(identity, `cannot grant ${what} in ${where} on more repositories than you hold it for`);
      }
    }
  }
}

function isAlreadyGranted(granted: readonly ResolvedPermission[], permission: ResolvedPermission, resource: string, action: string): boolean {
  return granted.some(
    (g) =>
      g.kind === permission.kind &&
      g.namespace === permission.namespace &&
      g.access.some((a) => a.effect === 'allow' && a.resource === resource && a.action === action) &&
      patternsCover(g.repositoryPatterns, permission.repositoryPatterns),
  );
}

/**
 * The repository patterns the caller holds `resource:action` under in the permission's
 * namespace: null for every repository, undefined when it does not hold it at all.
 */
async function heldPatterns(
  deps: PolicyDeps,
  identity: Identity,
  permission: ResolvedPermission,
  resource: string,
  action: string,
): Promise<readonly string[] | null | undefined> {
  let sources: Array<readonly string[] | null> = [];
  if (identity.kind === 'robot') {
    const namespaces = permission.project ? [permission.project.name, '*'] : ['*'];
    sources = identity.grants
      .filter((g) => namespaces.includes(g.namespace) && g.access.some((a) => accessHolds(a, resource, action)))
      .map((g) => g.repositoryPatterns);
  } else if (identity.kind === 'user' && permission.project) {
    const project = permission.project;
    // The matrix decides; memberships narrowed by patterns are read too, which can() hides.
    if (!(await deps.access.forProject(identity, project)).can(resource, action)) return undefined;
    const rows = await userMemberships(deps.database.db, identity.id, project.id);
    sources = rows
      .filter((r) => {
        const role = ROLE_BY_ID.get(r.role);
        return role !== undefined && subjectPermits(role, resource, action);
      })
      .map((r) => (r.repository_patterns ? (JSON.parse(r.repository_patterns) as string[]) : null));
  }
  if (sources.length === 0) return undefined;
  if (sources.some((s) => s === null)) return null;
  return sources.flatMap((s) => s ?? []);
}

function accessHolds(a: { resource: string; action: string }, resource: string, action: string): boolean {
  if (a.resource !== resource) return false;
  // Mirrors access.ts: a robot that may push may pull.
  return a.action === action || a.action === '*' || (resource === 'repository' && action === 'pull' && a.action === 'push');
}

/**
 * Whether every repository `requested` matches is matched by `held` (null = all). Exact
 * for equal patterns and for held patterns of the form `<literal>**`; conservative otherwise.
 */
export function patternsCover(held: readonly string[] | null, requested: readonly string[] | null): boolean {
  if (held === null) return true;
  if (requested === null) return false;
  return requested.every((q) =>
    held.some((p) => {
      if (p === q) return true;
      if (!p.endsWith('**')) return false;
      const prefix = p.slice(0, -2);
      return !prefix.includes('*') && q.startsWith(prefix);
    }),
  );
}
