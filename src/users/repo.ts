import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { QueryTerm } from '../api/index.js';
import { containsIgnoringCase, forUpdate, type Dialect, type Executor, type Tables, type User } from '../platform/db/index.js';

type TextColumn = 'username' | 'email' | 'realname';
type SortColumn = 'id' | 'username' | 'email' | 'realname' | 'created_at' | 'updated_at';

export interface UserListQuery {
  text: ReadonlyArray<{ column: TextColumn; term: QueryTerm }>;
  ids?: QueryTerm;
  sort: ReadonlyArray<{ column: SortColumn; descending: boolean }>;
  limit: number;
  offset: number;
}

type Users = ExpressionBuilder<Tables, 'users'>;

function textCondition(eb: Users, column: TextColumn, term: QueryTerm): Expression<SqlBool> {
  switch (term.kind) {
    case 'exact':
      return eb(column, '=', term.value);
    case 'fuzzy':
      return containsIgnoringCase(sql.ref(column), term.value);
    case 'or':
      return term.values.length ? eb(column, 'in', term.values) : sql<SqlBool>`1 = 0`;
    case 'and':
      return eb.and(term.values.map((value) => eb(column, '=', value)));
    case 'range':
      return eb.and([...(term.min !== undefined ? [eb(column, '>=', term.min)] : []), ...(term.max !== undefined ? [eb(column, '<=', term.max)] : [])]);
  }
}

function idCondition(eb: Users, term: QueryTerm): Expression<SqlBool> {
  const num = (v: string) => (/^\d{1,15}$/.test(v) ? Number(v) : -1);
  switch (term.kind) {
    case 'exact':
    case 'fuzzy':
      return eb('id', '=', num(term.value));
    case 'or':
      return term.values.length ? eb('id', 'in', term.values.map(num)) : sql<SqlBool>`1 = 0`;
    case 'and':
      return eb.and(term.values.map((v) => eb('id', '=', num(v))));
    case 'range':
      return eb.and([...(term.min !== undefined ? [eb('id', '>=', num(term.min))] : []), ...(term.max !== undefined ? [eb('id', '<=', num(term.max))] : [])]);
  }
}

function conditions(eb: Users, query: Pick<UserListQuery, 'text' | 'ids'>): Expression<SqlBool> {
  const parts = query.text.map(({ column, term }) => textCondition(eb, column, term));
  if (query.ids) parts.push(idCondition(eb, query.ids));
  return eb.and(parts);
}

export async function countUsers(db: Executor, query: Pick<UserListQuery, 'text' | 'ids'>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => conditions(eb, query))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listUsers(db: Executor, query: UserListQuery): Promise<User[]> {
  let select = db
    .selectFrom('users')
    .selectAll()
    .where((eb) => conditions(eb, query));
  for (const { column, descending } of query.sort) select = select.orderBy(column, descending ? 'desc' : 'asc');
  if (!query.sort.some((s) => s.column === 'id')) select = select.orderBy('id', 'asc');
  return select.limit(query.limit).offset(query.offset).execute();
}

export async function updateProfile(db: Executor, id: number, changes: { email?: string | null; realname?: string; comment?: string }, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...changes, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function setSysadmin(db: Executor, id: number, sysadmin: boolean, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ sysadmin_flag: sysadmin ? 1 : 0, updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** The ids of all system administrators; on PostgreSQL the rows stay locked until the transaction ends. */
export async function lockSysadmins(db: Executor, dialect: Dialect): Promise<number[]> {
  const select = forUpdate(db.selectFrom('users').select('id').where('sysadmin_flag', '=', 1).orderBy('id'), dialect);
  return (await select.execute()).map((r) => r.id);
}

export async function ownedProjectCount(db: Executor, userId: number): Promise<number> {
  const row = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('owner_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Removes a user with everything that points at it: memberships and sessions go, and
 * projects it owned pass to `heirId` (projects outlive the people who created them).
 */
export async function deleteUser(db: Executor, id: number, heirId: number, now: number): Promise<void> {
  await db.deleteFrom('project_members').where('entity_type', '=', 'u').where('entity_id', '=', id).execute();
  await db.updateTable('projects').set({ owner_id: heirId, updated_at: now }).where('owner_id', '=', id).execute();
  await db.deleteFrom('sessions').where('user_id', '=', id).execute();
  await db.deleteFrom('users').where('id', '=', id).execute();
}
