import type { Kysely } from 'kysely';

/**
 * Bounds on uploads. Uploads name the account that opened them (`user:5`, `robot:3`), so open sessions can be
 * capped per account; rows from before this migration hold NULL and count for nobody.
 *
 * - `uploads_account`: counting an account's open sessions when it opens one more.
 * - `uploads_repository`: a project's bytes in uploads, for the quota's check on new bytes.
 * - `uploads_updated`: the purge walks the stale end of this index instead of the table.
 * - `repository_blobs_repository_created`: a project's recent blob links, for the same check,
 *   without reading every link of a large project.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('account', 'varchar(64)').execute();
  await db.schema.createIndex('uploads_account').on('uploads').column('account').execute();
  await db.schema.createIndex('uploads_repository').on('uploads').column('repository_id').execute();
  await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();
  await db.schema.createIndex('repository_blobs_repository_created').on('repository_blobs').columns(['repository_id', 'created_at']).execute();
}
