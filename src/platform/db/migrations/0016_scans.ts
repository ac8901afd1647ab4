import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Scanning: the scanner registrations (Harbor's `scanner_registration`), the scanner each
 * project chose, and the reports. A report is one row per (artifact digest, registration,
 * report MIME type): a rescan overwrites it, so the table grows with artifacts, never with
 * scans (Harbor's per-vulnerability rows grew to hundreds of millions). Scan runs are
 * executions and tasks of the job service.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);
  await db.schema
    .createTable('scanner_registrations')
    .addColumn('id', id, primaryId)
    .addColumn('uuid', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', name, (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // '' for the built-in scanner, which runs in-process.
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('auth', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    // Encrypted (see platform/secrets/secret-box.ts); '' when none.
    .addColumn('access_credential', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('skip_cert_verify', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('use_internal_addr', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('adapter', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('vendor', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    // JSON: the adapter's metadata as last read (capabilities, properties), '' before the first read.
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('project_scanners')
    .addColumn('project_id', 'bigint', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('registration_id', 'bigint', (c) => c.notNull().references('scanner_registrations.id').onDelete('cascade'))
    .execute();

  await db.schema
    .createTable('scan_reports')
    .addColumn('id', id, primaryId)
    // Harbor's report_id; a new one for every scan.
    .addColumn('uuid', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('digest', 'varchar(255)', (c) => c.notNull())
    .addColumn('registration_id', 'bigint', (c) => c.notNull().references('scanner_registrations.id').onDelete('cascade'))
    .addColumn('mime_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('severity', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    // JSON: Harbor's VulnerabilitySummary, '' until the scan succeeds.
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    // JSON: the whole report, '' until the scan succeeds.
    .addColumn('report', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('task_id', 'bigint')
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addUniqueConstraint('scan_reports_artifact_scanner_mime', ['digest', 'registration_id', 'mime_type'])
    .execute();
  // The built-in scanner is registered from the first start, and is the default until changed.
  const now = Date.now();
  await sql`insert into scanner_registrations (uuid, name, description, url, is_default, builtin, adapter, vendor, created_at, updated_at)
    values (${randomUUID()}, 'Berth', 'The scanner built into Berth: OS and language packages matched against the OSV data imported into its database.',
      'builtin://berth', 1, 1, 'Berth', 'Berth', ${now}, ${now})`.execute(db);
  await db.schema.createIndex('scan_reports_task').on('scan_reports').column('task_id').execute();
}
