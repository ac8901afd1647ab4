import type { Kysely } from 'kysely';

/**
 * Where a long task stands (a replication's open upload sessions, say), saved as it goes so the
 * attempt after a failure, a restart or a crash continues from there instead of starting over.
 * Cleared when the task ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').addColumn('checkpoint', 'text').execute();
}
