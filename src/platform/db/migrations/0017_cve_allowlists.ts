import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * CVE allowlists (Harbor's `cve_allowlist`): one row per project, and the system's under
 * project id 0 as in Harbor, so no foreign key; the projects module removes a project's row
 * with the project. Reports keep their vulnerability ids and severities apart from the whole
 * JSON, so the pull gate weighs an allowlist without parsing megabytes on every pull.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('cve_allowlists')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().unique())
    // Unix seconds, as Harbor's API gives it; null: never expires.
    .addColumn('expires_at', 'bigint')
    // JSON array of vulnerability ids.
    .addColumn('items', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // JSON [[id, severity], …] of the report's items; '' for reports stored before it existed.
  await db.schema
    .alterTable('scan_reports')
    .addColumn('vulnerabilities', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}
