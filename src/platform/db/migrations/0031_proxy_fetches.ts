import type { Kysely } from 'kysely';

/**
 * What the proxy cache is fetching from an upstream registry now, across every instance on the
 * database: one row per fetch (a blob, a manifest, a tag's check), held by the instance doing it
 * until `held_until` and renewed while it works. Another instance that wants the same waits for it
 * instead of fetching too; a holder that died lets it go when the hold runs out. Rows are deleted
 * when the fetch ends.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proxy_fetches')
    // `blob:<repository>@<digest>`, `manifest:<repository>@<digest>`, `tag:<repository>:<tag>`.
    .addColumn('key', 'varchar(512)', (c) => c.primaryKey())
    .addColumn('holder', 'varchar(64)', (c) => c.notNull())
    .addColumn('held_until', 'bigint', (c) => c.notNull())
    .execute();
}
