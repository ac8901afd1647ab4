import { sql } from 'kysely';
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

function members(db: Executor, projectId: number) {
  return db
    .selectFrom('project_members')
    .innerJoin('users', 'users.id', 'project_members.entity_id')
    .where('project_members.project_id', '=', projectId)
    .where('project_members.entity_type', '=', 'u');
}

const MEMBER_COLUMNS = [
  'project_members.id',
  'project_members.project_id',
  'project_members.entity_type',
  'project_members.entity_id',
  'project_members.role',
  'project_members.repository_patterns',
  'users.username as entity_name',
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
    return base.where(containsIgnoringCase(sql.ref('users.username'), entityName));
  };
  const counted = await filtered()
    .select((eb) => eb.fn.countAll().as('total'))
    .executeTakeFirstOrThrow();
  const rows = await filtered()
    .select(MEMBER_COLUMNS)
    // Case-folded so both engines order the same whatever their collation.
    .orderBy(sql`lower(${sql.ref('users.username')})`)
    .orderBy('project_members.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { rows, total: Number(counted.total) };
}

export function findMember(db: Executor, projectId: number, memberId: number): Promise<MemberRow | undefined> {
  return members(db, projectId).select(MEMBER_COLUMNS).where('project_members.id', '=', memberId).executeTakeFirst();
}

export function findUserMember(db: Executor, projectId: number, userId: number): Promise<MemberRow | undefined> {
  return members(db, projectId).select(MEMBER_COLUMNS).where('project_members.entity_id', '=', userId).executeTakeFirst();
}

export async function insertMember(
  db: Executor,
  member: { projectId: number; userId: number; role: number; repositoryPatterns: readonly string[] | null; now: number },
): Promise<number> {
  const row = await db
    .insertInto('project_members')
    .values({
      project_id: member.projectId,
      entity_type: 'u',
      entity_id: member.userId,
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

/** The user's role id in each of the projects where it is a member. */
export async function memberRoles(db: Executor, userId: number, projectIds: readonly number[]): Promise<Map<number, number>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('project_members')
    .select(['project_id', 'role'])
    .where('entity_type', '=', 'u')
    .where('entity_id', '=', userId)
    .where('project_id', 'in', projectIds)
    .execute();
  return new Map(rows.map((r) => [Number(r.project_id), r.role]));
}
