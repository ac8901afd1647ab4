import type { Kysely } from 'kysely';

/**
 * Executions that announce their end: `end_event` names the outbox event written in the
 * transaction that gives the execution its final status (replication runs write REPLICATION,
 * which webhooks deliver), and `events.execution_id` says which execution such an event is about.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('executions').addColumn('end_event', 'varchar(64)').execute();
  await db.schema.alterTable('events').addColumn('execution_id', 'bigint').execute();
}
