import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { userMemberRows } from '../auth/index.js';
import type { Executor, Robot, RobotPermissionRow, Tables } from '../platform/db/index.js';

export interface StoredAccess {
  resource: string;
  action: string;
  effect: 'allow' | 'deny';
}

export interface NewPermission {
  kind: 'project' | 'system';
  namespace: string;
  access: StoredAccess[];
  repositoryPatterns: string[] | null;
}

export interface NewRobot {
  name: string;
  description: string;
  level: 'system' | 'project';
  projectId: number | null;
  secretHash: string;
  duration: number;
  expiresAt: number;
  disabled: boolean;
  creator: string;
  now: number;
}

export function findRobotById(db: Executor, id: number): Promise<Robot | undefined> {
  return db.selectFrom('robots').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function robotNameTaken(db: Executor, name: string): Promise<boolean> {
  const row = await db.selectFrom('robots').select('id').where('name', '=', name).executeTakeFirst();
  return row !== undefined;
}

export async function userNameTaken(db: Executor, name: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('username', '=', name).executeTakeFirst();
  return row !== undefined;
}

export async function insertRobot(db: Executor, robot: NewRobot, permissions: readonly NewPermission[]): Promise<Robot> {
  const row = await db
    .insertInto('robots')
    .values({
      name: robot.name,
      description: robot.description,
      level: robot.level,
      project_id: robot.projectId,
      secret_hash: robot.secretHash,
      duration: robot.duration,
      expires_at: robot.expiresAt,
      disabled: robot.disabled ? 1 : 0,
      creator: robot.creator,
      created_at: robot.now,
      updated_at: robot.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await insertPermissions(db, row.id, permissions);
  return row;
}

export async function replacePermissions(db: Executor, robotId: number, permissions: readonly NewPermission[]): Promise<void> {
  await db.deleteFrom('robot_permissions').where('robot_id', '=', robotId).execute();
  await insertPermissions(db, robotId, permissions);
}

async function insertPermissions(db: Executor, robotId: number, permissions: readonly NewPermission[]): Promise<void> {
  if (permissions.length === 0) return;
  await db
    .insertInto('robot_permissions')
    .values(
      permissions.map((p) => ({
        robot_id: robotId,
        kind: p.kind,
        namespace: p.namespace,
        access: JSON.stringify(p.access),
        repository_patterns: p.repositoryPatterns ? JSON.stringify(p.repositoryPatterns) : null,
      })),
    )
    .execute();
}

export async function updateRobot(
  db: Executor,
  id: number,
  changes: { description?: string; disabled?: boolean; duration?: number; expiresAt?: number; secretHash?: string; now: number },
): Promise<void> {
  await db
    .updateTable('robots')
    .set({
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.disabled !== undefined ? { disabled: changes.disabled ? 1 : 0 } : {}),
      ...(changes.duration !== undefined ? { duration: changes.duration } : {}),
      ...(changes.expiresAt !== undefined ? { expires_at: changes.expiresAt } : {}),
      ...(changes.secretHash !== undefined ? { secret_hash: changes.secretHash } : {}),
      updated_at: changes.now,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteRobot(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('robot_permissions').where('robot_id', '=', id).execute();
  await db.deleteFrom('robots').where('id', '=', id).execute();
}

export async function permissionsOf(db: Executor, robotIds: readonly number[]): Promise<Map<number, RobotPermissionRow[]>> {
  const byRobot = new Map<number, RobotPermissionRow[]>();
  if (robotIds.length === 0) return byRobot;
  const rows = await db.selectFrom('robot_permissions').selectAll().where('robot_id', 'in', robotIds).orderBy('id').execute();
  for (const row of rows) {
    const list = byRobot.get(row.robot_id) ?? [];
    list.push(row);
    byRobot.set(row.robot_id, list);
  }
  return byRobot;
}

export interface RobotFilter {
  level?: 'system' | 'project';
  projectId?: number;
  /** Any of these names (with or without the robot$ prefix). */
  names?: readonly string[];
  nameContains?: string;
  /** Only project robots of these projects; undefined means no restriction. */
  visibleProjects?: readonly number[];
}

export type RobotSort = { column: 'id' | 'name' | 'created_at' | 'expires_at'; desc: boolean };

export async function listRobots(
  db: Executor,
  filter: RobotFilter,
  sort: readonly RobotSort[],
  page: { offset: number; limit: number },
): Promise<{ total: number; robots: Robot[] }> {
  const where = (eb: ExpressionBuilder<Tables, 'robots'>): Expression<SqlBool> => {
    const terms: Array<Expression<SqlBool>> = [];
    if (filter.level) terms.push(eb('level', '=', filter.level));
    if (filter.projectId !== undefined) terms.push(eb('project_id', '=', filter.projectId));
    if (filter.names)
      terms.push(
        filter.names.length > 0
          ? eb(
              'name',
              'in',
              filter.names.flatMap((name) => [name, `robot$${name}`]),
            )
          : sql<SqlBool>`1 = 0`,
      );
    if (filter.nameContains !== undefined) {
      const escaped = filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`);
      terms.push(sql<SqlBool>`${sql.ref('name')} like ${`%${escaped}%`} escape '\\'`);
    }
    if (filter.visibleProjects !== undefined) {
      terms.push(filter.visibleProjects.length === 0 ? sql<SqlBool>`1 = 0` : eb.and([eb('level', '=', 'project'), eb('project_id', 'in', filter.visibleProjects)]));
    }
    return eb.and(terms);
  };
  const count = await db
    .selectFrom('robots')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(where)
    .executeTakeFirstOrThrow();
  let query = db.selectFrom('robots').selectAll().where(where);
  for (const s of sort) query = query.orderBy(s.column, s.desc ? 'desc' : 'asc');
  const robots = await query.orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute();
  return { total: Number(count.n), robots };
}

/** The user's memberships, its own and its groups', in one project or all projects: role ids and repository patterns. */
export function userMemberships(
  db: Executor,
  userId: number,
  projectId?: number,
): Promise<Array<{ project_id: number; role: number; repository_patterns: string | null }>> {
  let query = userMemberRows(db, userId).select(['project_members.project_id', 'project_members.role', 'project_members.repository_patterns']);
  if (projectId !== undefined) query = query.where('project_members.project_id', '=', projectId);
  return query.execute();
}

export function projectIdsByName(db: Executor, names: readonly string[]): Promise<Array<{ id: number; name: string }>> {
  if (names.length === 0) return Promise.resolve([]);
  return db.selectFrom('projects').select(['id', 'name']).where('name', 'in', names).execute();
}
