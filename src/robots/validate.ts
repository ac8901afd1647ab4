import { robotMayHoldProject, robotMayHoldSystem } from '../auth/index.js';
import type { Project } from '../platform/db/index.js';
import { InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import type { ResolvedPermission } from './policy.js';
import type { RobotPermissionInput } from './schema.js';

/** A permission checked for shape and catalogue, its project not yet looked up. */
export type CheckedPermission = Omit<ResolvedPermission, 'project'>;

/**
 * Harbor's rules: a project robot holds exactly one project permission; a system robot at
 * most one system permission (namespace `/`) plus project permissions on named projects or `*`.
 * Every access item must be in the robot catalogue (what GET /permissions lists).
 */
export function checkPermissions(level: 'system' | 'project', inputs: readonly RobotPermissionInput[]): CheckedPermission[] {
  if (level === 'project' && inputs.length !== 1) throw bad('a project robot has exactly one permission');
  const namespaces = new Set<string>();
  return inputs.map((input, i) => {
    const at = `permissions.${i}`;
    if (input.kind === 'system') {
      if (level === 'project') throw bad(`${at}: a project robot cannot hold system permissions`);
      if (input.namespace !== '/') throw bad(`${at}.namespace: a system permission's namespace is "/"`);
      if (input.repository_patterns) throw bad(`${at}.repository_patterns: only project permissions can be narrowed to repositories`);
    } else {
      if (input.namespace === '/') throw bad(`${at}.namespace: "/" is the system namespace; use kind "system"`);
      if (input.namespace === '*' && level === 'project') throw bad(`${at}.namespace: a project robot belongs to one named project`);
    }
    if (namespaces.has(input.namespace)) throw bad(`${at}.namespace: "${input.namespace}" appears more than once`);
    namespaces.add(input.namespace);
    const mayHold = input.kind === 'system' ? robotMayHoldSystem : robotMayHoldProject;
    const seen = new Set<string>();
    const access: CheckedPermission['access'] = [];
    input.access.forEach((item, j) => {
      if (!mayHold(item.resource, item.action)) {
        throw bad(`${at}.access.${j}: ${item.resource}:${item.action} is not a permission a robot may hold at ${input.kind} level (see GET /permissions)`);
      }
      const effect = item.effect ?? 'allow';
      const key = `${item.resource}:${item.action}:${effect}`;
      if (seen.has(key)) return;
      seen.add(key);
      access.push({ resource: item.resource, action: item.action, effect });
    });
    return {
      kind: input.kind,
      namespace: input.namespace,
      access,
      repositoryPatterns: input.repository_patterns ? [...new Set(input.repository_patterns)] : null,
    };
  });
}

/** Looks up the projects named by the permissions; a missing one answers 404. */
export async function resolveProjects(
  permissions: readonly CheckedPermission[],
  findProject: (name: string) => Promise<Project | undefined>,
): Promise<ResolvedPermission[]> {
  const resolved: ResolvedPermission[] = [];
  for (const permission of permissions) {
    if (permission.kind === 'system' || permission.namespace === '*') {
      resolved.push(permission);
      continue;
    }
    const project = await findProject(permission.namespace);
    if (!project) throw new NotFoundError('project', `project ${permission.namespace} not found`);
    resolved.push({ ...permission, project });
  }
  return resolved;
}

function bad(message: string): InvalidInputError {
  return new InvalidInputError('input', message);
}
