import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Replication policies (Harbor's `replication_policy`): what to copy (filters, as Harbor's JSON),
 * from where to where (a registry endpoint on one side, this Berth on the other: a null
 * registry), when (manual, cron, or on every push and delete), and how. Their runs are
 * executions of vendor type REPLICATION, one task per artifact.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);
  await db.schema
    .createTable('replication_policies')
    .addColumn('id', id, primaryId)
    .addColumn('name', name, (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('src_registry_id', 'bigint', (c) => c.references('registries.id'))
    .addColumn('dest_registry_id', 'bigint', (c) => c.references('registries.id'))
    .addColumn('dest_namespace', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('dest_namespace_replace_count', 'integer', (c) => c.notNull().defaultTo(-1))
    // 'manual', 'scheduled' or 'event_based'
    .addColumn('trigger_type', 'varchar(16)', (c) => c.notNull().defaultTo('manual'))
    .addColumn('trigger_cron', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    // JSON array of Harbor's ReplicationFilter.
    .addColumn('filters', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('replicate_deletion', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('override', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    // KiB/s per task; 0 or less: unbounded.
    .addColumn('speed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('copy_by_chunk', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('single_active_replication', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}
