import type { Kysely } from 'kysely';

/**
 * Indexes for the lists that `q` filters and that grow with every run.
 *
 * - `executions_vendor_status`: a policy's (or GC's) executions by status, newest first, and
 *   their count, without reading every execution of the vendor.
 * - `tasks_execution_status`: an execution's tasks by status in id order, and their count.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('executions_vendor_status').on('executions').columns(['vendor_type', 'vendor_id', 'status', 'id']).execute();
  await db.schema.createIndex('tasks_execution_status').on('tasks').columns(['execution_id', 'status', 'id']).execute();
}
