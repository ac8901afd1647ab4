import { identityName, ROLE_BY_ID, ROLE_IDS, findUserById, findUserByName } from '../auth/index.js';
import { recordAudit } from '../audit/index.js';
import { type Executor, isUniqueViolation, type Project, type User } from '../platform/db/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import * as members from './members-repo.js';
import type { MemberRow } from './members-repo.js';
import type { MemberCreate, MemberUpdate } from './schema.js';
import type { Actor, ProjectsDeps } from './service.js';

function validateRole(roleId: number): number {
  if (!ROLE_BY_ID.has(roleId)) {
    throw new InvalidInputError('input', 'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
  }
  return roleId;
}

/**
 * The user a new member names, read in Harbor's order: a user id, a group id, a username, then
 * a group by DN or name. An empty `member_group` (as some clients send beside `member_user`)
 * names nothing. Berth has no user groups yet: a group id answers Harbor's "not found", and a
 * group by name or DN says groups are not supported.
 */
async function memberUser(db: Executor, input: MemberCreate): Promise<User> {
  const wanted = input.member_user;
  const group = input.member_group ?? {};
  if (wanted?.user_id !== undefined && wanted.user_id > 0) {
    const user = await findUserById(db, wanted.user_id);
    if (!user) throw new NotFoundError('input', `user ${wanted.user_id} not found`);
    return user;
  }
  if (group.id !== undefined && group.id > 0) throw new InvalidInputError('input', `Group ${group.id} not found`);
  if (wanted?.username) {
    const user = await findUserByName(db, wanted.username);
    if (!user) throw new NotFoundError('input', `user ${wanted.username} not found`);
    return user;
  }
  if (group.ldap_group_dn || group.group_name) throw new InvalidInputError('input', 'user groups are not supported yet: add users with member_user');
  throw new InvalidInputError('input', 'at least one of member_user or member_group must be provided');
}

async function audit(db: Executor, deps: ProjectsDeps, actor: Actor, project: Project, username: string, operation: 'create' | 'update' | 'delete'): Promise<void> {
  await recordAudit(db, {
    projectId: project.id,
    operation,
    resourceType: 'member',
    resource: `${project.name}:${username}`,
    username: identityName(actor.identity),
    clientIp: actor.clientIp,
    at: deps.clock.now(),
  });
}

async function requireMember(db: Executor, project: Project, memberId: number): Promise<MemberRow> {
  const member = await members.findMember(db, project.id, memberId);
  if (!member) throw new NotFoundError('input', `member ${memberId} not found in project ${project.name}`);
  return member;
}

/**
 * A project admin must not lock the project out of its own administration: removing or
 * demoting themself is refused while nobody else holds the role.
 */
async function refuseLastAdminLeaving(db: Executor, actor: Actor, project: Project, member: MemberRow): Promise<void> {
  const self = actor.identity.kind === 'user' && actor.identity.id === member.entity_id && member.entity_type === 'u';
  if (!self || member.role !== ROLE_IDS.projectAdmin) return;
  const admins = (await members.roleCounts(db, project.id)).get(ROLE_IDS.projectAdmin) ?? 0;
  if (admins <= 1) {
    throw new DeniedError('input', `you are the last project admin of ${project.name}; make another member project admin first`);
  }
}

export async function createMember(deps: ProjectsDeps, actor: Actor, project: Project, input: MemberCreate): Promise<MemberRow> {
  const role = validateRole(input.role_id);
  const user = await memberUser(deps.database.db, input);
  const conflict = () => new ConflictError('input', `user ${user.username} is already a member of project ${project.name}`);
  try {
    const created = await deps.database.db.transaction().execute(async (trx) => {
      if (await members.findUserMember(trx, project.id, user.id)) throw conflict();
      const id = await members.insertMember(trx, {
        projectId: project.id,
        userId: user.id,
        role,
        repositoryPatterns: input.repository_patterns ?? null,
        now: deps.clock.now(),
      });
      await audit(trx, deps, actor, project, user.username, 'create');
      return requireMember(trx, project, id);
    });
    return created;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    throw err;
  } finally {
    deps.access.membershipsChanged();
  }
}

export async function updateMember(deps: ProjectsDeps, actor: Actor, project: Project, memberId: number, input: MemberUpdate): Promise<void> {
  if (input.role_id === undefined && input.repository_patterns === undefined) {
    throw new InvalidInputError('input', 'give role_id, repository_patterns or both');
  }
  const role = input.role_id === undefined ? undefined : validateRole(input.role_id);
  try {
    await deps.database.db.transaction().execute(async (trx) => {
      const member = await requireMember(trx, project, memberId);
      if (role !== undefined && role !== ROLE_IDS.projectAdmin) await refuseLastAdminLeaving(trx, actor, project, member);
      const current = member.repository_patterns ? (JSON.parse(member.repository_patterns) as string[]) : null;
      await members.updateMember(trx, member.id, {
        role: role ?? member.role,
        repositoryPatterns: input.repository_patterns === undefined ? current : input.repository_patterns,
        now: deps.clock.now(),
      });
      await audit(trx, deps, actor, project, member.entity_name, 'update');
    });
  } finally {
    deps.access.membershipsChanged();
  }
}

export async function deleteMember(deps: ProjectsDeps, actor: Actor, project: Project, memberId: number): Promise<void> {
  try {
    await deps.database.db.transaction().execute(async (trx) => {
      const member = await requireMember(trx, project, memberId);
      await refuseLastAdminLeaving(trx, actor, project, member);
      await members.deleteMember(trx, member.id);
      await audit(trx, deps, actor, project, member.entity_name, 'delete');
    });
  } finally {
    deps.access.membershipsChanged();
  }
}
