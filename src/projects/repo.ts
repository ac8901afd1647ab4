import { sql, type Expression, type SqlBool } from 'kysely';
import { userMemberRows } from '../auth/index.js';
import { containsIgnoringCase, type Executor, type Project } from '../platform/db/index.js';
import { createQuota } from './quota/repo.js';

export function findProjectByName(db: Executor, name: string): Promise<Project | undefined> {
  return db.selectFrom('projects').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findProjectById(db: Executor, id: number): Promise<Project | undefined> {
  return db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listProjects(db: Executor): Promise<Project[]> {
  return db.selectFrom('projects').selectAll().orderBy('name').execute();
}

export async function createProject(
  db: Executor,
  project: {
    name: string;
    ownerId: number;
    public: boolean;
    now: number;
    /** Bytes; -1 (the default) unlimited. */
    storageLimit?: number;
    /** The registry endpoint of a proxy cache project. */
    registryId?: number | null;
  },
): Promise<Project> {
  const created = await db
    .insertInto('projects')
    .values({
      name: project.name,
      owner_id: project.ownerId,
      public: project.public ? 1 : 0,
      registry_id: project.registryId ?? null,
      created_at: project.now,
      updated_at: project.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await createQuota(db, created.id, project.storageLimit ?? -1, project.now);
  return created;
}

export async function touchProject(db: Executor, projectId: number, now: number, isPublic?: boolean): Promise<void> {
  await db
    .updateTable('projects')
    .set(isPublic === undefined ? { updated_at: now } : { updated_at: now, public: isPublic ? 1 : 0 })
    .where('id', '=', projectId)
    .execute();
}

/** Which projects a listing may show; absent means every project (system administrators). */
export interface Visibility {
  /** Projects this user is a member of. */
  memberUserId?: number;
  /** Projects known to be readable (robot grants). */
  projectIds?: readonly number[];
}

export interface ProjectListFilter {
  visibility?: Visibility;
  /** Any of these exact names. */
  names?: readonly string[];
  /** Every one of these substrings of the name. */
  nameContains?: readonly string[];
  ids?: readonly number[];
  minId?: number;
  maxId?: number;
  /** Any of these visibilities (both: no condition). */
  publicAnyOf?: readonly boolean[];
  ownerName?: string;
  ownerIds?: readonly number[];
}

export type ProjectSortColumn = 'name' | 'created_at' | 'updated_at' | 'id';
export interface ProjectSort {
  column: ProjectSortColumn;
  direction: 'asc' | 'desc';
}

export type ProjectWithOwner = Project & { owner_name: string | null };

function filteredProjects(db: Executor, filter: ProjectListFilter) {
  return db
    .selectFrom('projects')
    .leftJoin('users', 'users.id', 'projects.owner_id')
    .where((eb) => {
      const conditions: Expression<SqlBool>[] = [];
      const visibility = filter.visibility;
      if (visibility) {
        const readable: Expression<SqlBool>[] = [eb('projects.public', '=', 1)];
        if (visibility.memberUserId !== undefined) {
          readable.push(
            // The user's own memberships and its groups'.
            eb('projects.id', 'in', userMemberRows(db, visibility.memberUserId).select('project_members.project_id')),
          );
        }
        if (visibility.projectIds && visibility.projectIds.length > 0) readable.push(eb('projects.id', 'in', visibility.projectIds));
        conditions.push(eb.or(readable));
      }
      if (filter.names) conditions.push(filter.names.length > 0 ? eb('projects.name', 'in', filter.names) : sql<SqlBool>`1 = 0`);
      for (const part of filter.nameContains ?? []) {
        conditions.push(containsIgnoringCase(sql.ref('projects.name'), part));
      }
      if (filter.ids) conditions.push(filter.ids.length > 0 ? eb('projects.id', 'in', filter.ids) : sql<SqlBool>`1 = 0`);
      if (filter.minId !== undefined) conditions.push(eb('projects.id', '>=', filter.minId));
      if (filter.maxId !== undefined) conditions.push(eb('projects.id', '<=', filter.maxId));
      if (filter.publicAnyOf)
        conditions.push(
          filter.publicAnyOf.length > 0
            ? eb(
                'projects.public',
                'in',
                filter.publicAnyOf.map((p) => (p ? 1 : 0)),
              )
            : sql<SqlBool>`1 = 0`,
        );
      if (filter.ownerName !== undefined) conditions.push(eb('users.username', '=', filter.ownerName));
      if (filter.ownerIds) conditions.push(filter.ownerIds.length > 0 ? eb('projects.owner_id', 'in', filter.ownerIds) : sql<SqlBool>`1 = 0`);
      return eb.and(conditions);
    });
}

export async function searchProjects(
  db: Executor,
  filter: ProjectListFilter,
  sort: readonly ProjectSort[],
  page: { limit: number; offset: number },
): Promise<{ rows: ProjectWithOwner[]; total: number }> {
  const counted = await filteredProjects(db, filter)
    .select((eb) => eb.fn.countAll().as('total'))
    .executeTakeFirstOrThrow();
  let query = filteredProjects(db, filter).selectAll('projects').select('users.username as owner_name');
  for (const s of sort) query = query.orderBy(`projects.${s.column}`, s.direction);
  const rows = await query.orderBy('projects.id', 'asc').limit(page.limit).offset(page.offset).execute();
  return { rows, total: Number(counted.total) };
}

export async function ownerName(db: Executor, ownerId: number): Promise<string | null> {
  const row = await db.selectFrom('users').select('username').where('id', '=', ownerId).executeTakeFirst();
  return row?.username ?? null;
}

/** Repositories that hold at least one artifact: rows made by an upload alone do not count. */
export async function repositoryCounts(db: Executor, projectIds: readonly number[]): Promise<Map<number, number>> {
  if (projectIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('repositories')
    .select((eb) => ['repositories.project_id', eb.fn.countAll().as('count')])
    .where('repositories.project_id', 'in', projectIds)
    .where((eb) => eb.exists(eb.selectFrom('artifacts').select('artifacts.id').whereRef('artifacts.repository_id', '=', 'repositories.id')))
    .groupBy('repositories.project_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.project_id), Number(r.count)]));
}

/** Stored metadata of each project; `public` always comes from the projects row, which the registry reads. */
export async function metadataOf(db: Executor, projects: readonly Project[]): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>(projects.map((p) => [p.id, {}]));
  if (projects.length > 0) {
    const rows = await db
      .selectFrom('project_metadata')
      .selectAll()
      .where(
        'project_id',
        'in',
        projects.map((p) => p.id),
      )
      .orderBy('name')
      .execute();
    for (const row of rows) {
      const entry = out.get(Number(row.project_id));
      if (entry) entry[row.name] = row.value;
    }
  }
  for (const project of projects) {
    const entry = out.get(project.id);
    if (entry) entry.public = project.public === 1 ? 'true' : 'false';
  }
  return out;
}

export async function upsertMetadata(db: Executor, projectId: number, values: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, value] of values) {
    await db
      .insertInto('project_metadata')
      .values({ project_id: projectId, name, value })
      .onConflict((oc) => oc.columns(['project_id', 'name']).doUpdateSet({ value }))
      .execute();
  }
}

export async function deleteMetadata(db: Executor, projectId: number, name: string): Promise<boolean> {
  const result = await db.deleteFrom('project_metadata').where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * Removes a project and what belongs only to it: members, metadata, repositories without
 * artifacts (and, by cascade, their blob links and uploads), its robots, and system robots'
 * grants naming it, so a new project of the same name does not inherit them. Answers the
 * ids of the uploads whose bytes should be freed, or undefined while a repository still
 * holds artifacts (then nothing of the project was removed, once the caller rolls back).
 */
export async function deleteProjectRows(db: Executor, project: Project): Promise<{ uploadIds: string[] } | undefined> {
  const uploads = await db
    .selectFrom('uploads')
    .innerJoin('repositories', 'repositories.id', 'uploads.repository_id')
    .select('uploads.id')
    .where('repositories.project_id', '=', project.id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('artifacts').select('artifacts.id').whereRef('artifacts.repository_id', '=', 'repositories.id'))))
    .execute();
  await db
    .deleteFrom('repositories')
    .where('repositories.project_id', '=', project.id)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('artifacts').select('artifacts.id').whereRef('artifacts.repository_id', '=', 'repositories.id'))))
    .execute();
  const remaining = await db.selectFrom('repositories').select('id').where('project_id', '=', project.id).limit(1).executeTakeFirst();
  if (remaining) return undefined;
  await db.deleteFrom('project_members').where('project_id', '=', project.id).execute();
  await db.deleteFrom('project_metadata').where('project_id', '=', project.id).execute();
  await db
    .deleteFrom('robot_permissions')
    .where('namespace', '=', project.name)
    .where('robot_id', 'in', db.selectFrom('robots').select('robots.id').where('robots.level', '=', 'system'))
    .execute();
  await db.deleteFrom('robots').where('project_id', '=', project.id).execute();
  await db.deleteFrom('projects').where('id', '=', project.id).execute();
  return { uploadIds: uploads.map((u) => u.id) };
}

/** The projects with these ids, in no particular order. */
export function findProjectsByIds(db: Executor, ids: readonly number[]): Promise<Project[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('projects')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}
