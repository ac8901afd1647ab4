import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Garbage collection. `deleted_manifests` remembers the digests of deleted artifacts: their
 * manifest bytes stay in storage (a manifest has a `blobs` row only when it was also uploaded
 * as a blob), and GC, which never walks storage, learns from here which ones may go.
 * GC also asks "is this digest any artifact's manifest?" across repositories, hence the index.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('deleted_manifests')
    .addColumn('digest', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('artifacts_digest').on('artifacts').column('digest').execute();
}
