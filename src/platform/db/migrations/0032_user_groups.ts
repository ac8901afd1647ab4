import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * User groups (Harbor's `user_group`): LDAP groups by DN, OIDC groups by the name in the groups
 * claim, HTTP groups by name. A group is a project member like a user (`project_members` with
 * entity type 'g'). Which groups a user is in is what the identity provider said at the user's
 * last sign-in (`user_group_members`), so group changes there take effect at the next sign-in.
 * `users.group_admin` records whether that sign-in put the user in the provider's admin group.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('user_groups')
    .addColumn('id', id, primaryId)
    .addColumn('group_name', 'varchar(255)', (c) => c.notNull())
    // 1 LDAP, 2 HTTP, 3 OIDC (Harbor's numbers).
    .addColumn('group_type', 'integer', (c) => c.notNull())
    .addColumn('ldap_group_dn', 'varchar(512)', (c) => c.notNull().defaultTo(''))
    // What names the group within its type: the DN, lowercased, for LDAP; the name otherwise.
    .addColumn('group_key', 'varchar(512)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_groups_type_key').on('user_groups').columns(['group_type', 'group_key']).unique().execute();
  await db.schema
    .createTable('user_group_members')
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'bigint', (c) => c.notNull().references('user_groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_group_members_pk', ['user_id', 'group_id'])
    .execute();
  await db.schema.createIndex('user_group_members_group').on('user_group_members').column('group_id').execute();
  await db.schema
    .alterTable('users')
    .addColumn('group_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
