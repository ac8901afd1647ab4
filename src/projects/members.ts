import { identityName, ROLE_BY_ID, ROLE_IDS, findUserById, findUserByName, userGroupIds } from '../auth/index.js';
import { recordAudit } from '../audit/index.js';
import { type Executor, isUniqueViolation, type Project, type User, type UserGroup } from '../platform/db/index.js';
import { resolveMemberGroup } from '../usergroups/index.js';
import { ConflictError, DeniedError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import * as members from './members-repo.js';
import type { MemberEntity, MemberRow } from './members-repo.js';
import type { MemberCreate, MemberUpdate } from './schema.js';
import type { Actor, ProjectsDeps } from './service.js';

function validateRole(roleId: number): number {
  if (!ROLE_BY_ID.has(roleId)) {
    throw new InvalidInputError('input', 'role_id must be 1 (projectAdmin), 2 (developer), 3 (guest), 4 (maintainer) or 5 (limitedGuest)');
  }
  return roleId;
}

/** What a new member stands for, with the name the audit log and messages use. */
interface NamedEntity extends MemberEntity {
  name: string;
  kind: 'user' | 'group';
}

/**
 * The user or group a new member names, read in Harbor's order: a user id, a group id, a
 * username, then a group by DN or by name and type. An empty `member_group` (as some clients
 * send beside `member_user`) names nothing. A group named by DN, or by name as an HTTP or OIDC
 * group, that does not exist yet is created, as Harbor onboards it.
 */
async function memberEntity(db: Executor, input: MemberCreate, now: number): Promise<NamedEntity> {
  const wanted = input.member_user;
  const group = input.member_group ?? {};
  if (wanted?.user_id !== undefined && wanted.user_id > 0) {
    const user = await findUserById(db, wanted.user_id);
    if (!user) throw new NotFoundError('input', `user ${wanted.user_id} not found`);
    return userEntity(user);
  }
  if (group.id !== undefined && group.id > 0) return groupEntity(await resolveMemberGroup(db, group, now));
  if (wanted?.username) {
    const user = await findUserByName(db, wanted.username);
    if (!user) throw new NotFoundError('input', `user ${wanted.username} not found`);
    return userEntity(user);
  }
  const named = await resolveMemberGroup(db, group, now);
  if (named) return groupEntity(named);
  throw new InvalidInputError('input', 'at least one of member_user or member_group must be provided');
}

function userEntity(user: User): NamedEntity {
  return { type: 'u', id: user.id, name: user.username, kind: 'user' };
}

function groupEntity(group: UserGroup | undefined): NamedEntity {
  if (!group) throw new InvalidInputError('input', 'member_group names no group');
  return { type: 'g', id: group.id, name: group.group_name, kind: 'group' };
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
 * demoting their own membership, or that of a group they are in, is refused while no other
 * member (user or group) holds the role.
 */
async function refuseLastAdminLeaving(db: Executor, actor: Actor, project: Project, member: MemberRow): Promise<void> {
  if (actor.identity.kind !== 'user' || member.role !== ROLE_IDS.projectAdmin) return;
  const self = member.entity_type === 'u' && actor.identity.id === member.entity_id;
  const ownGroup = member.entity_type === 'g' && (await userGroupIds(db, actor.identity.id)).includes(member.entity_id);
  if (!self && !ownGroup) return;
  const admins = (await members.roleCounts(db, project.id)).get(ROLE_IDS.projectAdmin) ?? 0;
  if (admins <= 1) {
    throw new DeniedError(
      'input',
      self
        ? `you are the last project admin of ${project.name}; make another member project admin first`
        : `group ${member.entity_name}, which you are in, is the last project admin of ${project.name}; make another member project admin first`,
    );
  }
}

export async function createMember(deps: ProjectsDeps, actor: Actor, project: Project, input: MemberCreate): Promise<MemberRow> {
  const role = validateRole(input.role_id);
  let entity: NamedEntity | undefined;
  const conflict = () => new ConflictError('input', `${entity?.kind ?? 'member'} ${entity?.name ?? ''} is already a member of project ${project.name}`);
  try {
    const created = await deps.database.db.transaction().execute(async (trx) => {
      // In the transaction: a group named for the first time is created with the membership.
      entity = await memberEntity(trx, input, deps.clock.now());
      if (await members.findEntityMember(trx, project.id, entity)) throw conflict();
      const id = await members.insertMember(trx, {
        projectId: project.id,
        entity,
        role,
        repositoryPatterns: input.repository_patterns ?? null,
        now: deps.clock.now(),
      });
      await audit(trx, deps, actor, project, entity.name, 'create');
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
