import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Tag retention policies: at most one per project (its id is also kept in the project's
 * `retention_id` metadata, where Harbor's clients look for it); rules and trigger as Harbor's JSON.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('retention_policies')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().unique().references('projects.id').onDelete('cascade'))
    .addColumn('algorithm', 'varchar(16)', (c) => c.notNull().defaultTo('or'))
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
