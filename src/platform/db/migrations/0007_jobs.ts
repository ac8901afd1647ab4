import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * The job service: executions (one run of something: a GC, a retention run, a webhook
 * delivery) made of tasks, which workers claim with a lease; their logs; and schedules.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('executions')
    .addColumn('id', id, primaryId)
    .addColumn('vendor_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('vendor_id', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('extra_attrs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('start_time', 'bigint', (c) => c.notNull())
    .addColumn('end_time', 'bigint')
    .addColumn('update_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('executions_vendor').on('executions').columns(['vendor_type', 'vendor_id', 'id']).execute();
  await db.schema.createIndex('executions_end').on('executions').column('end_time').execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', id, primaryId)
    .addColumn('execution_id', 'bigint', (c) => c.notNull().references('executions.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(64)', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('stop_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('extra_attrs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('start_time', 'bigint')
    .addColumn('end_time', 'bigint')
    .addColumn('update_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tasks_claim').on('tasks').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('tasks_execution').on('tasks').column('execution_id').execute();

  await db.schema
    .createTable('task_logs')
    .addColumn('id', id, primaryId)
    .addColumn('task_id', 'bigint', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('task_logs_task').on('task_logs').columns(['task_id', 'id']).execute();

  await db.schema
    .createTable('schedules')
    .addColumn('id', id, primaryId)
    .addColumn('vendor_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('vendor_id', 'bigint', (c) => c.notNull().defaultTo(-1))
    .addColumn('cron', 'varchar(128)', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('next_run_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('update_time', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('schedules_vendor', ['vendor_type', 'vendor_id'])
    .execute();
  await db.schema.createIndex('schedules_due').on('schedules').column('next_run_at').execute();

  // Each instance's workers, for the monitoring API; a row not refreshed for a while is a gone instance.
  await db.schema
    .createTable('worker_pools')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('concurrency', 'integer', (c) => c.notNull())
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .execute();

  // The outbox's consumers (webhooks, later scanning and replication) take each event once.
  await db.schema
    .alterTable('events')
    .addColumn('dispatched', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update events set dispatched = 1`.execute(db);
  await db.schema.createIndex('events_pending').on('events').columns(['dispatched', 'id']).execute();
}
