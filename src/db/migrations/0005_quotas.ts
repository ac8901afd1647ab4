import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Project quotas. `project_blobs` holds each digest a project's artifacts use (manifests and
 * the blobs they reference) once, with how many artifacts of the project hold it, so usage
 * counts every blob once per project and falls when its last holder goes.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('quotas')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().unique().references('projects.id').onDelete('cascade'))
    // Bytes; -1 is unlimited.
    .addColumn('hard_storage', 'bigint', (c) => c.notNull())
    .addColumn('used_storage', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('project_blobs')
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('digest', 'varchar(255)', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('refs', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_blobs_pk', ['project_id', 'digest'])
    .execute();

  // Content already pushed is counted as if it had been charged when it came.
  await sql`
    insert into project_blobs (project_id, digest, size, refs)
    select project_id, digest, max(size), count(*) from (
      select r.project_id as project_id, a.digest as digest, a.manifest_size as size
        from artifacts a join repositories r on r.id = a.repository_id
      union all
      select r.project_id, ar.child_digest, b.size
        from artifact_references ar
        join artifacts a on a.id = ar.artifact_id
        join repositories r on r.id = a.repository_id
        join blobs b on b.digest = ar.child_digest
        where ar.child_kind = 'blob'
    ) held
    group by project_id, digest
  `.execute(db);
  const now = Date.now();
  await sql`
    insert into quotas (project_id, hard_storage, used_storage, created_at, updated_at)
    select p.id, -1, coalesce((select sum(pb.size) from project_blobs pb where pb.project_id = p.id), 0), ${now}, ${now}
      from projects p
  `.execute(db);
}
