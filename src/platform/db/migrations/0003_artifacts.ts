import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/** Repository descriptions, labels and their attachment to artifacts. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);

  await db.schema
    .alterTable('repositories')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute();

  await db.schema
    .createTable('labels')
    .addColumn('id', id, primaryId)
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('color', 'varchar(16)', (c) => c.notNull().defaultTo(''))
    // 'g' global (system), 'p' project, as Harbor spells scopes.
    .addColumn('scope', 'varchar(1)', (c) => c.notNull())
    .addColumn('project_id', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('labels_name_scope', ['name', 'scope', 'project_id'])
    .execute();

  await db.schema
    .createTable('artifact_labels')
    .addColumn('artifact_id', 'bigint', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('label_id', 'bigint', (c) => c.notNull().references('labels.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_labels_pk', ['artifact_id', 'label_id'])
    .execute();
  await db.schema.createIndex('artifact_labels_label').on('artifact_labels').column('label_id').execute();
}
