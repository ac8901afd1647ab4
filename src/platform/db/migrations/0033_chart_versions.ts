import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * The classic Helm repository's index, one row per chart artifact: the chart's name and
 * version (from Chart.yaml) and the digests of its .tgz and .prov layers, so index.yaml and
 * chart downloads are answered from the database. The row goes with its artifact (cascade);
 * the rest of what index.yaml shows is the artifact's own `extra_attrs` (Chart.yaml as JSON).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { name } = columnsFor(dialect);
  await db.schema
    .createTable('chart_versions')
    .addColumn('artifact_id', 'bigint', (c) => c.primaryKey().references('artifacts.id').onDelete('cascade'))
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('version', 'varchar(255)', (c) => c.notNull())
    // sha256:… of the chart's .tgz layer: the archive a classic download serves, byte for byte.
    .addColumn('chart_digest', 'varchar(255)', (c) => c.notNull())
    .addColumn('chart_size', 'bigint', (c) => c.notNull())
    .addColumn('prov_digest', 'varchar(255)')
    .execute();
  await db.schema.createIndex('chart_versions_project_name').on('chart_versions').columns(['project_id', 'name', 'version']).execute();
}
