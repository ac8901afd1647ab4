import { sql } from 'kysely';
import { userMemberRows } from '../auth/index.js';
import { containsIgnoringCase, type Executor } from '../platform/db/index.js';

/** A member row with the name of the user it stands for. */
export interface MemberRow {
  id: number;
  project_id: number;
  entity_type: string;
  entity_id: number;
  role: number;
  repository_patterns: string | null;
  entity_name: string;
}

/** A member's name: the user's, or the group's for a group member. */
const ENTITY_NAME = sql<string>`coalesce(${sql.ref('users.username')}, ${sql.ref('user_groups.group_name')})`;

/** Members that are users ('u') or user groups ('g'), each with the name of what it stands for. */
function members(db: Executor, projectId: number) {
  return db
    .selectFrom('project_members')
    .leftJoin('users', (join) => join.onRef('users.id', '=', 'project_members.entity_id').on('project_members.entity_type', '=', 'u'))
    .leftJoin('user_groups', (join) => join.onRef('user_groups.id', '=', 'project_members.entity_id').on('project_members.entity_type', '=', 'g'))
    .where('project_members.project_id', '=', projectId)
    .where((eb) => eb.or([eb('users.id', 'is not', null), eb('user_groups.id', 'is not', null)]));
}

const MEMBER_COLUMNS = [
  'project_members.id',
  'project_members.project_id',
  'project_members.entity_type',
  'project_members.entity_id',
  'project_members.role',
  'project_members.repository_patterns',
  ENTITY_NAME.as('entity_name'),
] as const;

export async function listMembers(
  db: Executor,
  projectId: number,
  entityName: string | undefined,
  page: { limit: number; offset: number },
): Promise<{ rows: MemberRow[]; total: number }> {
  const filtered = () => {
    const base = members(db, projectId);
    if (entityName === undefined || entityName === '') return base;
    return base.where(containsIgnoringCase(ENTITY_NAME, entityName));
  };
  const counted = await filtered()
    .select((eb) => eb.fn.countAll().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await filtered()
    .select(MEMBER_COLUMNS)
    // Case-folded so both engines order the same whatever their collation.
    .orderBy(sql`lower(${ENTITY_NAME})`)
    .orderBy('project_members.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { rows, total: Number(counted.total) };
}

export function findMember(db: Executor, projectId: number, memberId: number): Promise<MemberRow | undefined> {
  return members(db, projectId).select(MEMBER_COLUMNS).where('project_members.id', '=', memberId).executeTakeFirst();
}

export function findEntityMember(db: Executor, projectId: number, entity: MemberEntity): Promise<MemberRow | undefined> {
  return members(db, projectId)
    .select(MEMBER_COLUMNS)
    .where('project_members.entity_type', '=', entity.type)
    .where('project_members.entity_id', '=', entity.id)
    .executeTakeFirst();
}

/** What a member stands for: a user ('u') or a user group ('g'). */
export interface MemberEntity {
  type: 'u' | 'g';
  id: number;
}

export async function insertMember(
  db: Executor,
  member: { projectId: number; entity: MemberEntity; role: number; repositoryPatterns: readonly string[] | null; now: number },
): Promise<number> {
  const row = await db
    .insertInto('project_members')
    .values({
      project_id: member.projectId,
      entity_type: member.entity.type,
      entity_id: member.entity.id,
      role: member.role,
      repository_patterns: member.repositoryPatterns ? JSON.stringify(member.repositoryPatterns) : null,
      created_at: member.now,
      updated_at: member.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateMember(
  db: Executor,
  memberId: number,
  changes: { role: number; repositoryPatterns: readonly string[] | null; now: number },
): Promise<void> {
  await db
    .updateTable('project_members')
    .set({
      role: changes.role,
      repository_patterns: changes.repositoryPatterns ? JSON.stringify(changes.repositoryPatterns) : null,
      updated_at: changes.now,
    })
    .where('id', '=', memberId)
    .execute();
}

export async function deleteMember(db: Executor, memberId: number): Promise<void> {
  await db.deleteFrom('project_members').where('id', '=', memberId).execute();
}

/** How many members hold each role id. */
export async function roleCounts(db: Executor, projectId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('project_members')
    .select((eb) => ['role', eb.fn.countAll().as('count')])
    .where('project_id', '=', projectId)
    .groupBy('role')
    .execute();
  return new Map(rows.map((r) => [Number(r.role), Number(r.count)]));
}

/** The user's role ids in each of the projects where it is a member, directly or through its groups. */
export async function memberRoles(db: Executor, userId: number, projectIds: readonly number[]): Promise<Map<number, number[]>> {
  if (projectIds.length === 0) return new Map();
  const rows = await userMemberRows(db, userId)
    .select(['project_members.project_id', 'project_members.role'])
    .where('project_members.project_id', 'in', projectIds)
    .execute();
  const roles = new Map<number, number[]>();
  for (const row of rows) {
    const id = Number(row.project_id);
    roles.set(id, [...(roles.get(id) ?? []), row.role]);
  }
  return roles;
}
