import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { columnsFor } from './columns.js';

/**
 * Project quotas. `project_blobs` holds each digest a project's artifacts use (manifests and
 * the blobs they reference) once, with how many artifacts of the project hold it, so usage
 * counts every blob once per project and falls when its last holder goes. Usage itself is
 * kept in `quota_shards`: a few counters per project, each allowed to grow up to its share of
 * the limit, so concurrent pushes into one project charge different rows instead of queuing
 * for one.
 */
/** The shard count of src/projects/quota/usage.ts at the time of this migration. */
const MIGRATED_SHARDS = 8;

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const { id, primaryId } = columnsFor(dialect);
  await db.schema
    .createTable('quotas')
    .addColumn('id', id, primaryId)
    .addColumn('project_id', 'bigint', (c) => c.notNull().unique().references('projects.id').onDelete('cascade'))
    // Bytes; -1 is unlimited.
    .addColumn('hard_storage', 'bigint', (c) => c.notNull())
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

  await db.schema
    .createTable('quota_shards')
    .addColumn('project_id', 'bigint', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('used', 'bigint', (c) => c.notNull())
    // How far `used` may grow without looking at the other shards; -1 when there is no limit.
    .addColumn('allowance', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_shards_pk', ['project_id', 'shard'])
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
  await sql`insert into quotas (project_id, hard_storage, created_at, updated_at) select id, -1, ${now}, ${now} from projects`.execute(db);
  // Existing projects are unlimited: the first shard carries what they use.
  for (let shard = 0; shard < MIGRATED_SHARDS; shard++) {
    await sql`
      insert into quota_shards (project_id, shard, used, allowance)
      select p.id, ${shard}, ${shard === 0 ? sql`coalesce((select sum(pb.size) from project_blobs pb where pb.project_id = p.id), 0)` : sql`0`}, -1
        from projects p
    `.execute(db);
  }
}
