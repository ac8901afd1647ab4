import { sql } from 'kysely';
import { containsIgnoringCase, type Executor, type UserGroup } from '../platform/db/index.js';

/** Harbor's group types. */
export const GROUP_TYPES = { ldap: 1, http: 2, oidc: 3 } as const;
export type GroupType = (typeof GROUP_TYPES)[keyof typeof GROUP_TYPES];

/** A group as an identity provider names it: LDAP groups by DN, the others by name. */
export interface GroupRef {
  type: GroupType;
  name: string;
  /** LDAP only. */
  dn?: string;
}

/** LDAP compares DNs without case; the key is what makes a group unique within its type. */
export function groupKey(ref: GroupRef): string {
  return ref.type === GROUP_TYPES.ldap ? (ref.dn ?? '').trim().toLowerCase() : ref.name;
}

export function findGroupByKey(db: Executor, type: GroupType, key: string): Promise<UserGroup | undefined> {
  return db.selectFrom('user_groups').selectAll().where('group_type', '=', type).where('group_key', '=', key).executeTakeFirst();
}

export function findGroupById(db: Executor, id: number): Promise<UserGroup | undefined> {
  return db.selectFrom('user_groups').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertGroup(db: Executor, ref: GroupRef, now: number): Promise<UserGroup> {
  return db
    .insertInto('user_groups')
    .values({ group_name: ref.name, group_type: ref.type, ldap_group_dn: ref.dn ?? '', group_key: groupKey(ref), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The groups' ids, each created when first seen (a provider's groups are onboarded as users
 * are). Call inside a transaction: two sign-ins creating one group meet at the unique key.
 */
export async function ensureGroups(db: Executor, refs: readonly GroupRef[], now: number): Promise<number[]> {
  const ids = new Set<number>();
  for (const ref of refs) {
    const key = groupKey(ref);
    if (key === '') continue;
    const found = await findGroupByKey(db, ref.type, key);
    ids.add(found ? found.id : (await insertGroup(db, ref, now)).id);
  }
  return [...ids];
}

/** Replaces the user's groups with these (as the provider said at this sign-in), and whether that makes the user an admin. */
export async function setUserGroups(db: Executor, userId: number, groupIds: readonly number[], groupAdmin: boolean): Promise<void> {
  await db.deleteFrom('user_group_members').where('user_id', '=', userId).execute();
  if (groupIds.length > 0) {
    await db
      .insertInto('user_group_members')
      .values(groupIds.map((groupId) => ({ user_id: userId, group_id: groupId })))
      .execute();
  }
  await db
    .updateTable('users')
    .set({ group_admin: groupAdmin ? 1 : 0 })
    .where('id', '=', userId)
    .execute();
}

/** The ids of the groups the user was in at the last sign-in. */
export async function userGroupIds(db: Executor, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('user_group_members').select('group_id').where('user_id', '=', userId).execute();
  return rows.map((r) => r.group_id);
}

/**
 * The project_members rows that stand for the user: the user's own, and those of the groups the
 * user was in at the last sign-in. Every "which projects is this user in" question starts here,
 * so a group grant counts wherever a direct one does.
 */
export function userMemberRows(db: Executor, userId: number) {
  return db
    .selectFrom('project_members')
    .where((eb) =>
      eb.or([
        eb.and([eb('project_members.entity_type', '=', 'u'), eb('project_members.entity_id', '=', userId)]),
        eb.and([
          eb('project_members.entity_type', '=', 'g'),
          eb(
            'project_members.entity_id',
            'in',
            eb.selectFrom('user_group_members').select('user_group_members.group_id').where('user_group_members.user_id', '=', userId),
          ),
        ]),
      ]),
    );
}

export interface GroupFilter {
  /** Part of the name, any case. */
  nameContains?: string;
  /** The exact DN, any case (LDAP compares DNs so). */
  ldapGroupDn?: string;
  type?: GroupType;
}

function filteredGroups(db: Executor, filter: GroupFilter) {
  let query = db.selectFrom('user_groups');
  if (filter.nameContains) query = query.where(containsIgnoringCase(sql.ref('group_name'), filter.nameContains));
  if (filter.ldapGroupDn !== undefined) {
    query = query.where('group_type', '=', GROUP_TYPES.ldap).where('group_key', '=', groupKey({ type: GROUP_TYPES.ldap, name: '', dn: filter.ldapGroupDn }));
  }
  if (filter.type !== undefined) query = query.where('group_type', '=', filter.type);
  return query;
}

export async function countGroups(db: Executor, filter: GroupFilter): Promise<number> {
  const row = await filteredGroups(db, filter)
    .select((eb) => eb.fn.countAll().as('total'))
    .executeTakeFirstOrThrow();
  return Number(row.total);
}

/** A page of groups, by name (case-folded so both engines order alike), then id. */
export function listGroups(db: Executor, filter: GroupFilter, page: { limit: number; offset: number }): Promise<UserGroup[]> {
  return filteredGroups(db, filter)
    .selectAll()
    .orderBy(sql`lower(${sql.ref('group_name')})`)
    .orderBy('id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
}

/** Groups named exactly so (names are unique only within a type, and LDAP names not at all). */
export function findGroupsByName(db: Executor, name: string, type?: GroupType): Promise<UserGroup[]> {
  let query = db.selectFrom('user_groups').selectAll().where('group_name', '=', name);
  if (type !== undefined) query = query.where('group_type', '=', type);
  return query.orderBy('id').execute();
}

/** Renames a group; an HTTP or OIDC group's key is its name, so the key follows. */
export async function renameGroup(db: Executor, group: UserGroup, name: string, now: number): Promise<void> {
  const key = group.group_type === GROUP_TYPES.ldap ? group.group_key : name;
  await db.updateTable('user_groups').set({ group_name: name, group_key: key, updated_at: now }).where('id', '=', group.id).execute();
}

/** Removes a group with its project memberships; who was in it goes with it (cascade). */
export async function deleteGroup(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('project_members').where('entity_type', '=', 'g').where('entity_id', '=', id).execute();
  await db.deleteFrom('user_group_members').where('group_id', '=', id).execute();
  await db.deleteFrom('user_groups').where('id', '=', id).execute();
}
