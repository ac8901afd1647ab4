import { findProject, projectById } from '../api/index.js';
import { type AccessControl, type Identity, type PermissionJson, PROJECT_MATRIX, SYSTEM_MATRIX, type ProjectSubject } from '../auth/index.js';
import type { Database } from '../platform/db/index.js';
import { InvalidInputError } from '../platform/errors/index.js';

type Permission = PermissionJson;

const ROLES: readonly ProjectSubject[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];

function split(key: string): Permission {
  const colon = key.lastIndexOf(':');
  return { resource: key.slice(0, colon), action: key.slice(colon + 1) };
}

// What each namespace lists, as Harbor enumerates it for this endpoint: every policy some
// project role holds, and the system namespace's own list.
const PROJECT_POLICIES = Object.entries(PROJECT_MATRIX as Record<string, readonly ProjectSubject[]>)
  .filter(([, subjects]) => subjects.some((s) => ROLES.includes(s)))
  .map(([key]) => split(key));
const SYSTEM_POLICIES = Object.entries(SYSTEM_MATRIX as Record<string, readonly string[]>)
  .filter(([, subjects]) => subjects.includes('ns'))
  .map(([key]) => split(key));

type Scope = { kind: 'system' } | { kind: 'project'; id: number };

function parseScope(scope: string): Scope {
  if (scope === '/system') return { kind: 'system' };
  const project = /^\/project\/(\d{1,15})$/.exec(scope);
  if (project) return { kind: 'project', id: Number(project[1]) };
  throw new InvalidInputError('input', `scope must be /system or /project/{project_id}, not "${scope}"`);
}

/**
 * The policies the caller holds in a scope (Harbor's GET /users/current/permissions). Resources
 * are absolute (`/project/1/repository`) or, with `relative`, relative to the scope (`repository`,
 * `.` for the project itself). No scope, or a project that does not exist, lists nothing.
 */
export async function permissionsIn(
  deps: { database: Database; access: AccessControl },
  identity: Identity,
  scope: string | undefined,
  relative: boolean,
): Promise<Permission[]> {
  if (!scope) return [];
  const parsed = parseScope(scope);
  const name = (resource: string) => (relative ? resource || '.' : resource ? `${scope}/${resource}` : scope);
  if (parsed.kind === 'system') {
    return SYSTEM_POLICIES.filter((p) => deps.access.systemCan(identity, p.resource, p.action)).map((p) => ({ resource: name(p.resource), action: p.action }));
  }
  const project = await findProject(deps.database, projectById(parsed.id));
  if (!project) return [];
  const permissions = await deps.access.forProject(identity, project);
  return PROJECT_POLICIES.filter((p) => permissions.can(p.resource, p.action)).map((p) => ({ resource: name(p.resource), action: p.action }));
}
