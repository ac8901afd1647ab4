import type { Kysely } from 'kysely';

/**
 * The secret settings of Harbor's `/configurations` (the LDAP search password, the OIDC client
 * secret), each sealed by the SecretBox; apart from `settings` so the start-up key check and key
 * rotation can treat the column as every other sealed column.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sealed_settings')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
