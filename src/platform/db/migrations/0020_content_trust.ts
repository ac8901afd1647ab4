import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Content trust. `trust_material` holds the public keys and certificates signatures are checked
 * against, per project (project 0: the whole system); `trust_policies` how notation and Rekor
 * checks apply; `signature_verdicts` the last check of each signature against the material it
 * was checked with (the material's hash), so a change of material means checking again, and a
 * deleted signature takes its verdict with it.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('trust_material')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull())
    // 'cosign-key', 'rekor-key' or 'notation-root'
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('pem', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'varchar(128)', (c) => c.notNull())
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('trust_material_key', ['project_id', 'kind', 'fingerprint'])
    .execute();
  await db.schema
    .createTable('trust_policies')
    .addColumn('project_id', 'bigint', (c) => c.primaryKey())
    .addColumn('notation_level', 'varchar(16)', (c) => c.notNull().defaultTo('strict'))
    // JSON array of notation trusted identities ("*" or "x509.subject: …").
    .addColumn('trusted_identities', 'text', (c) => c.notNull().defaultTo('["*"]'))
    .addColumn('require_log_entry', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('signature_verdicts')
    .addColumn('id', id, primaryId)
    .addColumn('signature_id', 'bigint', (c) => c.notNull().unique().references('artifacts.id').onDelete('cascade'))
    .addColumn('material_hash', 'varchar(80)', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('signer', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('reason', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    // JSON array of notes (log entry, signing time).
    .addColumn('details', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}
