import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Proxy cache projects (Harbor's `registry_id`): a project that mirrors a registry endpoint.
 * The reference keeps an endpoint in use from being deleted. And `proxy_cache_tags`: when each
 * cached tag was last compared with the upstream, and what it named then, so a pull within the
 * freshness window (or while the upstream is down) is answered without asking the upstream.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { name } = columnsFor(dialect);
  await db.schema
    .alterTable('projects')
    .addColumn('registry_id', 'bigint', (c) => c.references('registries.id'))
    .execute();
  await db.schema
    .createTable('proxy_cache_tags')
    // The repository's full name (`proxy/library/nginx`); rows outlive a deleted repository harmlessly:
    // the manifest they name is looked up in the repository again before it is served.
    .addColumn('repository', name, (c) => c.notNull())
    .addColumn('tag', 'varchar(128)', (c) => c.notNull())
    .addColumn('digest', 'varchar(255)', (c) => c.notNull())
    .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('proxy_cache_tags_pk', ['repository', 'tag'])
    .execute();
}
