import { doublestarMatch } from '../platform/lib/index.js';
import { PROJECT_MATRIX, SYSTEM_MATRIX, type ProjectSubject } from './rbac-matrix.js';

export type Role = 'projectAdmin' | 'maintainer' | 'developer' | 'guest' | 'limitedGuest';

/** Harbor's role ids, which its API and clients use. */
export const ROLE_IDS: Record<Role, number> = { projectAdmin: 1, developer: 2, guest: 3, maintainer: 4, limitedGuest: 5 };
export const ROLE_BY_ID: ReadonlyMap<number, Role> = new Map(Object.entries(ROLE_IDS).map(([role, id]) => [id, role as Role]));
/** Harbor's role names as its API spells them. */
export const ROLE_NAMES: Record<Role, string> = {
  projectAdmin: 'projectAdmin',
  maintainer: 'maintainer',
  developer: 'developer',
  guest: 'guest',
  limitedGuest: 'limitedGuest',
};

export type ProjectPermission = keyof typeof PROJECT_MATRIX;
export type SystemPermission = keyof typeof SYSTEM_MATRIX;

const projectMatrix: Record<string, readonly ProjectSubject[]> = PROJECT_MATRIX;
const systemMatrix: Record<string, readonly string[]> = SYSTEM_MATRIX;

/** Whether a role (or the public column) holds `resource:action` on a project. */
export function subjectPermits(subject: ProjectSubject, resource: string, action: string): boolean {
  return projectMatrix[`${resource}:${action}`]?.includes(subject) ?? false;
}

export function isProjectPermission(resource: string, action: string): boolean {
  return `${resource}:${action}` in projectMatrix;
}

/** Whether a robot may be granted this project permission. */
export function robotMayHoldProject(resource: string, action: string): boolean {
  return subjectPermits('robot', resource, action);
}

/** Whether a system robot may be granted this system permission. */
export function robotMayHoldSystem(resource: string, action: string): boolean {
  return systemMatrix[`${resource}:${action}`]?.includes('robot') ?? false;
}

export function projectPermissions(): Array<{ resource: string; action: string }> {
  return Object.keys(projectMatrix).map(splitPermission);
}

export function systemPermissions(): Array<{ resource: string; action: string }> {
  return Object.keys(systemMatrix).map(splitPermission);
}

function splitPermission(key: string): { resource: string; action: string } {
  const colon = key.lastIndexOf(':');
  return { resource: key.slice(0, colon), action: key.slice(colon + 1) };
}

/** Resources that live inside a repository: grants narrowed by repository patterns apply to them. */
export const REPOSITORY_SCOPED = new Set(['repository', 'artifact', 'tag', 'accessory', 'artifact-addition', 'artifact-label', 'scan', 'sbom']);

/**
 * Repository name patterns (beyond Harbor): `*` matches within one path segment, `**`
 * across segments. Patterns name the repository inside its project: `team-a/**`.
 */
export function matchesRepositoryPattern(patterns: readonly string[], repository: string): boolean {
  return patterns.some((pattern) => doublestarMatch(pattern, repository, 'repository'));
}
