import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Users who came through the OIDC provider (Harbor's `oidc_user`): who they are at the provider
 * (issuer and subject), their CLI secret for docker/podman logins (sealed, to show it to them,
 * and hashed, to check it), and the provider's refresh token (sealed) with the time the last
 * access token ran out, for the administrator who ties CLI secrets to the provider's session.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('oidc_users')
    .addColumn('id', id, primaryId)
    .addColumn('user_id', 'bigint', (c) => c.notNull().unique().references('users.id').onDelete('cascade'))
    .addColumn('issuer', 'varchar(1024)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'varchar(255)', (c) => c.notNull())
    .addColumn('refresh_token', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('token_expires_at', 'bigint')
    // Set when the provider refused to refresh the session; cleared by the next portal sign-in.
    .addColumn('session_ended_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oidc_users_issuer_subject').on('oidc_users').columns(['issuer', 'subject']).unique().execute();
}
