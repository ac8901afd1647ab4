import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Registry endpoints (Harbor's `registry`): the remote registries replication and proxy cache
 * talk to, with their credential sealed by the SecretBox. And `secret_key_check`: one row, a
 * known constant sealed with the key the database's secrets are sealed with, so an instance can
 * tell a missing or wrong key before it uses one (see platform/secrets/keys.ts).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);
  await db.schema
    .createTable('registries')
    .addColumn('id', id, primaryId)
    .addColumn('name', name, (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text', (c) => c.notNull())
    // The adapter: 'harbor', 'docker-registry', 'docker-hub'…
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    // 'basic' or 'oauth'; '' for anonymous access.
    .addColumn('credential_type', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    .addColumn('access_key', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    // Sealed (platform/secrets); '' when none.
    .addColumn('access_secret', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('insecure', 'integer', (c) => c.notNull().defaultTo(0))
    // PEM; '' for the system's trusted CAs.
    .addColumn('ca_certificate', 'text', (c) => c.notNull().defaultTo(''))
    // 'healthy' or 'unhealthy' from the last check; '' before the first.
    .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('secret_key_check')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .execute();
}
