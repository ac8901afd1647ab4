import type { Kysely } from 'kysely';

/**
 * Who is writing an upload, and until when: one request at a time may write an upload, across
 * every instance, so two writers never add the same chunk of it at once (their bytes and the
 * running hash of one of them would no longer agree). NULL when nobody writes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('writer', 'varchar(64)').execute();
  await db.schema.alterTable('uploads').addColumn('writer_until', 'bigint').execute();
}
