import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

// Migrations take the dialect because autoincrement keys are spelled differently.
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);

  await db.schema
    .createTable('users')
    .addColumn('id', id, primaryId)
    .addColumn('username', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('email', 'varchar(255)')
    .addColumn('realname', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('sysadmin_flag', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('projects')
    .addColumn('id', id, primaryId)
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('owner_id', 'bigint', (c) => c.notNull().references('users.id'))
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('repositories')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id'))
    .addColumn('name', name, (c) => c.notNull().unique())
    .addColumn('pull_count', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('repositories_project').on('repositories').column('project_id').execute();

  await db.schema
    .createTable('blobs')
    .addColumn('digest', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('repository_blobs')
    .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('digest', 'varchar(200)', (c) => c.notNull().references('blobs.digest'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
    .execute();
  await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();

  await db.schema
    .createTable('artifacts')
    .addColumn('id', id, primaryId)
    .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('digest', 'varchar(200)', (c) => c.notNull())
    .addColumn('media_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('artifact_type', 'varchar(255)')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('manifest_size', 'bigint', (c) => c.notNull())
    .addColumn('subject_digest', 'varchar(200)')
    .addColumn('annotations', 'text')
    .addColumn('push_time', 'bigint', (c) => c.notNull())
    .addColumn('pull_time', 'bigint')
    .addUniqueConstraint('artifacts_repository_digest', ['repository_id', 'digest'])
    .execute();
  await db.schema.createIndex('artifacts_subject').on('artifacts').columns(['repository_id', 'subject_digest']).execute();

  await db.schema
    .createTable('artifact_references')
    .addColumn('artifact_id', 'bigint', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('child_digest', 'varchar(200)', (c) => c.notNull())
    .addColumn('child_kind', 'varchar(16)', (c) => c.notNull())
    .addPrimaryKeyConstraint('artifact_references_pk', ['artifact_id', 'child_digest'])
    .execute();
  await db.schema.createIndex('artifact_references_child').on('artifact_references').column('child_digest').execute();

  await db.schema
    .createTable('tags')
    .addColumn('id', id, primaryId)
    .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('artifact_id', 'bigint', (c) => c.notNull().references('artifacts.id').onDelete('cascade'))
    .addColumn('name', name, (c) => c.notNull())
    .addColumn('push_time', 'bigint', (c) => c.notNull())
    .addColumn('pull_time', 'bigint')
    .addUniqueConstraint('tags_repository_name', ['repository_id', 'name'])
    .execute();
  await db.schema.createIndex('tags_artifact').on('tags').column('artifact_id').execute();

  await db.schema
    .createTable('uploads')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('system_keys')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', id, primaryId)
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('project_id', 'bigint')
    .addColumn('repository', 'varchar(255)')
    .addColumn('digest', 'varchar(200)')
    .addColumn('tag', 'varchar(255)')
    .addColumn('operator', 'varchar(255)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_created').on('events').column('created_at').execute();
}
