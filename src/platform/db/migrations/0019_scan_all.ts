import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * The security hub's index and CVE exports. `scan_report_items` holds one compact row per
 * (report, vulnerability id, package, version) of a successful report: written with the
 * report, replaced with it, deleted with it (ON DELETE CASCADE), so it grows with what the
 * stored reports say, never with scans (Harbor's vulnerability_record grew to 114M rows).
 * `scan_exports` keeps each CVE export's file and requester apart from the execution, so the
 * file is removed after housekeeping deleted the execution.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('scan_report_items')
    .addColumn('id', id, primaryId)
    .addColumn('report_id', 'bigint', (c) => c.notNull().references('scan_reports.id').onDelete('cascade'))
    .addColumn('cve_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('package', 'varchar(255)', (c) => c.notNull())
    .addColumn('version', 'varchar(255)', (c) => c.notNull())
    .addColumn('fix_version', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    // 0 Unknown … 5 Critical: sorting and "at least high" need no CASE over names.
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('cvss_v3_score', 'real')
    .addColumn('cvss_v3_vector', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('cvss_v2_score', 'real')
    .addColumn('cvss_v2_vector', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('cwe_ids', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    // Cut to a few hundred characters: the whole text stays in the report.
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('link', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addUniqueConstraint('scan_report_items_key', ['report_id', 'cve_id', 'package', 'version'])
    .execute();
  await db.schema.createIndex('scan_report_items_cve').on('scan_report_items').column('cve_id').execute();
  await db.schema.createIndex('scan_report_items_package').on('scan_report_items').column('package').execute();
  await db.schema.createIndex('scan_report_items_rank').on('scan_report_items').columns(['severity_rank', 'cvss_v3_score']).execute();
  await db.schema.createIndex('scan_reports_digest').on('scan_reports').column('digest').execute();

  await db.schema
    .createTable('scan_exports')
    .addColumn('id', id, primaryId)
    // No foreign key: the row outlives its execution until the file is deleted.
    .addColumn('execution_id', 'bigint', (c) => c.notNull().unique())
    // 'user' or 'robot', and its id: only the requester reads the export.
    .addColumn('requester_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('requester_id', 'bigint', (c) => c.notNull())
    .addColumn('requester_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('job_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('path', 'varchar(255)', (c) => c.notNull())
    .addColumn('file_present', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scan_exports_requester').on('scan_exports').columns(['requester_kind', 'requester_id']).execute();
}
