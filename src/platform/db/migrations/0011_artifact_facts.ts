import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * What an artifact listing shows, kept on the artifact row at push time so that a listing
 * reads the database only (Harbor reads every manifest and config from storage per page).
 * All nullable: rows pushed before this migration hold NULL until the startup backfill
 * (src/content/facts.ts) reads their manifest and config once; `type` NULL marks them.
 *
 * - `type`: Harbor's kind (IMAGE, CHART, CNAB, WASM, SBOM, SIGNATURE, UNKNOWN), the `q=type=` filter.
 * - `config_media_type`: the config's media type (the API's `media_type`); NULL for indexes.
 * - `extra_attrs`: JSON, what the API shows of the config, bounded in size.
 * - `accessory_type`: for artifacts with a subject, Harbor's accessory type.
 * - `index_references`: JSON, for indexes, each child's digest, platform, urls and annotations, in order.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  await db.schema.alterTable('artifacts').addColumn('type', 'varchar(16)').execute();
  await db.schema.alterTable('artifacts').addColumn('config_media_type', 'varchar(255)').execute();
  await db.schema.alterTable('artifacts').addColumn('extra_attrs', 'text').execute();
  await db.schema.alterTable('artifacts').addColumn('accessory_type', 'varchar(32)').execute();
  await db.schema.alterTable('artifacts').addColumn('index_references', 'text').execute();
  // The type filter pages in push order like the unfiltered listing (0006).
  await db.schema.createIndex('artifacts_repository_type_push_time').on('artifacts').columns(['repository_id', 'type', 'push_time', 'id']).execute();
}
