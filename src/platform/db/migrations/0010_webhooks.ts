import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Webhook policies (Harbor's notification policies): which events of a project are sent to
 * which targets. Deliveries are executions of the job service, so they need no table here.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);
  await db.schema
    .createTable('webhook_policies')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // JSON: [{type, address, auth_header, skip_cert_verify, payload_format}]
    .addColumn('targets', 'text', (c) => c.notNull())
    // JSON: ["PUSH_ARTIFACT", …]
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('creator', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('webhook_policies_name', ['project_id', 'name'])
    .execute();

  // Housekeeping deletes dispatched outbox rows by age with events_created (0001_init).
}
