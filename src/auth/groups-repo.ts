import type { Executor, UserGroup } from '../platform/db/index.js';

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
