import type { CacheInvalidation, Database, Project } from '../platform/db/index.js';
import { splitRepositoryName, TtlCache } from '../platform/lib/index.js';
import type { Clock } from '../platform/clock.js';
import { userMemberRows } from './groups-repo.js';
import type { Identity } from './identity.js';
import { matchesRepositoryPattern, REPOSITORY_SCOPED, ROLE_BY_ID, subjectPermits, robotMayHoldSystem, type Role } from './rbac.js';

export type RepositoryAction = 'pull' | 'push' | 'delete';
export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/** A member's role in a project, possibly narrowed to some repositories. */
export interface Membership {
  role: Role;
  repositoryPatterns: readonly string[] | null;
}

/** What one caller may do in one project. */
export interface ProjectPermissions {
  readonly project: Project;
  /** `resource` '' is the project itself; `repository` is the full name (`project/repo`) when known. */
  can(resource: string, action: string, repository?: string): boolean;
  /** The caller's role in the project, if a member (the highest, when several). */
  readonly role: Role | undefined;
  /** Every role the caller holds in the project, its own and its groups', highest first. */
  readonly roles: readonly Role[];
}

/** How long memberships are used without reading the database again. */
const MEMBERSHIP_CACHE_MS = 5_000;
export const ROLE_RANK: readonly Role[] = ['projectAdmin', 'maintainer', 'developer', 'guest', 'limitedGuest'];

/**
 * Decides every permission question from the one matrix in rbac-matrix.ts: system admins
 * may do everything (but scanner-pull), members what their role holds, robots what they
 * were granted, and everyone what a public project offers.
 */
export class AccessControl {
  private readonly memberships: TtlCache<Membership[]>;
  private readonly projectHandlers: Array<() => void> = [];

  constructor(
    private readonly database: Database,
    clock: Clock,
    /** Drops memberships on every instance; unset, on this one only. */
    private readonly invalidation?: CacheInvalidation,
  ) {
    this.memberships = new TtlCache<Membership[]>(MEMBERSHIP_CACHE_MS, 50_000, () => clock.now());
    invalidation?.on('memberships', () => this.memberships.clear());
  }

  /** Forget cached memberships, after a member was added, changed or removed (on every instance). */
  membershipsChanged(): void {
    if (this.invalidation) this.invalidation.changed('memberships');
    else this.memberships.clear();
  }

  /** Forget cached project rows everywhere, after a project's visibility changed or it was deleted. */
  projectsChanged(): void {
    if (this.invalidation) this.invalidation.changed('projects');
    else for (const handler of this.projectHandlers) handler();
  }

  /** `handler` drops a cache of project rows whenever projectsChanged is called, here or on another instance. */
  onProjectsChanged(handler: () => void): void {
    if (this.invalidation) this.invalidation.on('projects', handler);
    else this.projectHandlers.push(handler);
  }

  async forProject(identity: Identity, project: Project): Promise<ProjectPermissions> {
    const memberships = identity.kind === 'user' && !identity.sysadmin ? await this.membershipsOf(identity.id, project.id) : [];
    const roles = ROLE_RANK.filter((r) => memberships.some((m) => m.role === r));
    return {
      project,
      role: roles[0],
      roles,
      can: (resource, action, repository) => decide(identity, project, memberships, resource, action, repository),
    };
  }

  /** The registry actions the caller may take on a repository (`project/repo`). */
  async repositoryActions(identity: Identity, project: Project, repository: string): Promise<Set<RepositoryAction>> {
    const permissions = await this.forProject(identity, project);
    return new Set(REPOSITORY_ACTIONS.filter((action) => permissions.can('repository', action, repository)));
  }

  systemCan(identity: Identity, resource: string, action: string): boolean {
    if (identity.kind === 'user') return identity.sysadmin;
    if (identity.kind === 'robot' && identity.level === 'system') {
      return (
        robotMayHoldSystem(resource, action) &&
        identity.grants.some((g) => g.namespace === '/' && g.access.some((a) => a.resource === resource && (a.action === action || a.action === '*')))
      );
    }
    return false;
  }

  private async membershipsOf(userId: number, projectId: number): Promise<Membership[]> {
    const key = `${userId}:${projectId}`;
    const cached = this.memberships.get(key);
    if (cached) return cached;
    // The user's own membership and those of the groups the user was in at the last sign-in:
    // the highest role among them is the user's (ROLE_RANK), each narrowed by its own patterns.
    const rows = await userMemberRows(this.database.db, userId)
      .select(['project_members.role', 'project_members.repository_patterns'])
      .where('project_members.project_id', '=', projectId)
      .execute();
    const memberships = rows.flatMap((r) => {
      const role = ROLE_BY_ID.get(r.role);
      return role ? [{ role, repositoryPatterns: r.repository_patterns ? (JSON.parse(r.repository_patterns) as string[]) : null }] : [];
    });
    this.memberships.set(key, memberships);
    return memberships;
  }
}

function decide(
  identity: Identity,
  project: Project,
  memberships: readonly Membership[],
  resource: string,
  action: string,
  repository: string | undefined,
): boolean {
  if (identity.kind === 'user' && identity.sysadmin) return action !== 'scanner-pull';
  if (project.public && subjectPermits('public', resource, action)) return true;
  const inside = repository === undefined ? undefined : splitRepositoryName(repository)?.path;
  const narrowedOut = (patterns: readonly string[] | null) =>
    patterns !== null && REPOSITORY_SCOPED.has(resource) && inside !== undefined && !matchesRepositoryPattern(patterns, inside);
  if (identity.kind === 'user') {
    return memberships.some((m) => subjectPermits(m.role, resource, action) && !narrowedOut(m.repositoryPatterns));
  }
  if (identity.kind === 'robot') {
    return identity.grants.some((grant) => {
      if (grant.namespace !== project.name && grant.namespace !== '*') return false;
      // A robot granted anything in a project may see the project itself, as in Harbor.
      if (resource === '' && action === 'read') return true;
      if (narrowedOut(grant.repositoryPatterns)) return false;
      return grant.access.some(
        (a) =>
          a.resource === resource &&
          (a.action === action ||
            a.action === '*' ||
            // A robot that may push may pull: clients read before they write.
            (resource === 'repository' && action === 'pull' && a.action === 'push')),
      );
    });
  }
  return false;
}
