import type { Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/** Users' extra fields, project metadata and members, robots, browser sessions, audit log, settings. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId, name } = columnsFor(dialect);

  await db.schema
    .alterTable('users')
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('users_email').on('users').column('email').execute();

  await db.schema
    .createTable('project_metadata')
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('name', 'varchar(64)', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_metadata_pk', ['project_id', 'name'])
    .execute();

  await db.schema
    .createTable('project_members')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('entity_type', 'varchar(1)', (c) => c.notNull())
    .addColumn('entity_id', 'bigint', (c) => c.notNull())
    .addColumn('role', 'integer', (c) => c.notNull())
    // JSON array of repository name patterns narrowing the grant; null means the whole project.
    .addColumn('repository_patterns', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('project_members_entity', ['project_id', 'entity_type', 'entity_id'])
    .execute();
  await db.schema.createIndex('project_members_entity_id').on('project_members').columns(['entity_type', 'entity_id']).execute();

  await db.schema
    .createTable('robots')
    .addColumn('id', id, primaryId)
    .addColumn('name', name, (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('level', 'varchar(16)', (c) => c.notNull())
    .addColumn('project_id', 'bigint', (c) => c.references('projects.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('duration', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('creator', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('robot_permissions')
    .addColumn('id', id, primaryId)
    .addColumn('robot_id', 'bigint', (c) => c.notNull().references('robots.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('namespace', 'varchar(255)', (c) => c.notNull())
    // JSON array of {resource, action, effect}.
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('repository_patterns', 'text')
    .execute();
  await db.schema.createIndex('robot_permissions_robot').on('robot_permissions').column('robot_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'varchar(128)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_logs')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint')
    .addColumn('operation', 'varchar(32)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource', 'varchar(1024)', (c) => c.notNull())
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('client_ip', 'varchar(64)')
    .addColumn('success', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('op_time', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_logs_time').on('audit_logs').column('op_time').execute();
  await db.schema.createIndex('audit_logs_project').on('audit_logs').columns(['project_id', 'op_time']).execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
