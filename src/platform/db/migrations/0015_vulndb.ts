import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * The vulnerability database: OSV records imported by `berth vulndb import|update`, one row per
 * record, and one `vuln_affected` row per package a record names. The matcher looks advisories up
 * by (ecosystem, package); ecosystems sort bytewise on both engines so that an ecosystem and its
 * sub-scopes (`Red Hat:enterprise_linux:9` and `Red Hat:enterprise_linux:9::appstream`) are one
 * index range. `vuln_db_meta` holds when and from where the data last came.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);
  await db.schema
    .createTable('vuln_records')
    .addColumn('id', name, (c) => c.primaryKey())
    .addColumn('modified', 'bigint', (c) => c.notNull())
    .addColumn('published', 'bigint')
    .addColumn('withdrawn', 'bigint')
    .addColumn('aliases', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('references', 'text', (c) => c.notNull())
    .addColumn('cwe_ids', 'text', (c) => c.notNull())
    .addColumn('preferred_cvss', 'text', (c) => c.notNull())
    .addColumn('severity_label', 'varchar(16)', (c) => c.notNull())
    .addColumn('source', 'varchar(1024)', (c) => c.notNull())
    .addColumn('imported_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('vuln_affected')
    .addColumn('id', id, primaryId)
    .addColumn('record_id', name, (c) => c.notNull().references('vuln_records.id').onDelete('cascade'))
    .addColumn('ecosystem', name, (c) => c.notNull())
    .addColumn('package', name, (c) => c.notNull())
    .addColumn('purl', 'text')
    .addColumn('affected', 'text', (c) => c.notNull())
    .addColumn('ecosystem_specific', 'text')
    .execute();
  await db.schema.createIndex('vuln_affected_package').on('vuln_affected').columns(['ecosystem', 'package']).execute();
  await db.schema.createIndex('vuln_affected_record').on('vuln_affected').column('record_id').execute();
  await db.schema
    .createTable('vuln_db_meta')
    .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
