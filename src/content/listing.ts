import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { userMemberRows } from '../auth/index.js';
import type { Artifact, Executor, Repository, Tables } from '../platform/db/index.js';
import { containsIgnoringCase, whereMatches } from '../platform/db/index.js';
import type { QueryCondition, QueryFields } from '../platform/http/index.js';

export type RepositoryWithCount = Repository & { artifact_count: number };

export type RepositorySortColumn = 'name' | 'created_at' | 'updated_at' | 'pull_count';

export interface RepositoryFilter {
  /** Only these projects; undefined means every project. */
  projectIds?: readonly number[];
  /** Any of these full names (none: no repository). */
  names?: readonly string[];
  nameContains?: string;
}

export interface Sort<C extends string> {
  column: C;
  direction: 'asc' | 'desc';
}

/**
 * Whether the artifact (the row of the query's `artifacts` table) is a top-level one, a row of
 * Harbor's default artifact listing. An index's child is not, unless it has a tag of its own: it
 * shows under its index's `references`. An artifact attached to a subject (a signature, an SBOM,
 * any referrer) is not: it shows under its subject's `accessories`. As Harbor's artifact DAO,
 * whose rows of `artifact_accessory` are left out whether or not their subject is present.
 * Indexed: the subject by `artifacts_subject`, the tag by `tags_artifact`, the parent index by
 * `artifact_references_child`, so a count walks the repository's rows once.
 */
export function isTopLevelArtifact(eb: ExpressionBuilder<Tables, 'artifacts'>): Expression<SqlBool> {
  const tagged = eb
    .selectFrom('tags')
    .select(sql<number>`1`.as('one'))
    .whereRef('tags.artifact_id', '=', 'artifacts.id');
  const listedByAnIndex = eb
    .selectFrom('artifact_references')
    .innerJoin('artifacts as parent', 'parent.id', 'artifact_references.artifact_id')
    .select(sql<number>`1`.as('one'))
    .whereRef('artifact_references.child_digest', '=', 'artifacts.digest')
    .where('artifact_references.child_kind', '=', 'manifest')
    .whereRef('parent.repository_id', '=', 'artifacts.repository_id');
  return eb.and([eb('artifacts.subject_digest', 'is', null), eb.or([eb.exists(tagged), eb.not(eb.exists(listedByAnIndex))])]);
}

/** Repositories holding at least one artifact: an upload alone does not make one, as in Harbor. */
function filteredRepositories(db: Executor, filter: RepositoryFilter) {
  return db.selectFrom('repositories').where((eb) => {
    const conditions: Expression<SqlBool>[] = [
      eb.exists(
        eb
          .selectFrom('artifacts')
          .select(sql<number>`1`.as('one'))
          .whereRef('artifacts.repository_id', '=', 'repositories.id'),
      ),
    ];
    if (filter.projectIds) conditions.push(filter.projectIds.length > 0 ? eb('repositories.project_id', 'in', filter.projectIds) : sql<SqlBool>`1 = 0`);
    if (filter.names) conditions.push(filter.names.length > 0 ? eb('repositories.name', 'in', filter.names) : sql<SqlBool>`1 = 0`);
    if (filter.nameContains !== undefined) conditions.push(containsIgnoringCase(sql.ref('repositories.name'), filter.nameContains));
    return eb.and(conditions);
  });
}

export async function countRepositories(db: Executor, filter: RepositoryFilter): Promise<number> {
  const row = await filteredRepositories(db, filter)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listRepositories(
  db: Executor,
  filter: RepositoryFilter,
  sort: Sort<RepositorySortColumn>,
  offset: number,
  limit: number,
): Promise<RepositoryWithCount[]> {
  const rows = await filteredRepositories(db, filter)
    .selectAll('repositories')
    .select((eb) =>
      eb
        .selectFrom('artifacts')
        .select((e) => e.fn.countAll<string | number>().as('c'))
        .whereRef('artifacts.repository_id', '=', 'repositories.id')
        // Harbor counts what its listing shows: index children and accessories are not counted.
        .where(isTopLevelArtifact)
        .as('artifact_count'),
    )
    .orderBy(`repositories.${sort.column}`, sort.direction)
    .orderBy('repositories.id', sort.direction)
    .offset(offset)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, artifact_count: Number(r.artifact_count ?? 0) }));
}

export async function findRepositoryWithCount(db: Executor, projectId: number, name: string): Promise<RepositoryWithCount | undefined> {
  const [row] = await listRepositories(db, { projectIds: [projectId], names: [name] }, { column: 'name', direction: 'asc' }, 0, 1);
  return row;
}

export async function updateDescription(db: Executor, repositoryId: number, description: string, now: number): Promise<void> {
  await db.updateTable('repositories').set({ description, updated_at: now }).where('id', '=', repositoryId).execute();
}

export type ArtifactSortColumn = 'push_time' | 'pull_time' | 'size' | 'digest';

export interface ArtifactFilter {
  /** Each list: the column is any of its values (an empty list matches nothing). */
  digests?: readonly string[];
  mediaTypes?: readonly string[];
  /** The artifact has, for every group, a tag named any of the group's names. */
  tagGroups?: ReadonlyArray<readonly string[]>;
  tagContains?: string;
  /** true: only tagged artifacts; false: only untagged ones. */
  tagged?: boolean;
  /** Harbor's kinds (IMAGE, CHART …), as kept on the row at push. */
  types?: readonly string[];
  /** Of the artifacts matching the rest of the filter, only the newest pushed in each repository. */
  latestInRepository?: boolean;
  /** Harbor's `q=base=*`: every artifact, index children and accessories too; otherwise only top-level ones. */
  everyArtifact?: boolean;
}

/** One repository, or several (a project's listing). */
export type ArtifactScope = number | readonly number[];

function matchingArtifacts(db: Executor, scope: ArtifactScope, filter: ArtifactFilter) {
  const repositoryIds = typeof scope === 'number' ? [scope] : [...scope];
  return db.selectFrom('artifacts').where((eb) => {
    const conditions: Expression<SqlBool>[] = [repositoryIds.length > 0 ? eb('artifacts.repository_id', 'in', repositoryIds) : sql<SqlBool>`1 = 0`];
    if (filter.digests) conditions.push(filter.digests.length > 0 ? eb('artifacts.digest', 'in', filter.digests) : sql<SqlBool>`1 = 0`);
    if (filter.mediaTypes) conditions.push(filter.mediaTypes.length > 0 ? eb('artifacts.media_type', 'in', filter.mediaTypes) : sql<SqlBool>`1 = 0`);
    if (filter.types) conditions.push(filter.types.length > 0 ? eb('artifacts.type', 'in', filter.types) : sql<SqlBool>`1 = 0`);
    const tags = () =>
      eb
        .selectFrom('tags')
        .select(sql<number>`1`.as('one'))
        .whereRef('tags.artifact_id', '=', 'artifacts.id');
    // Each group looks among the artifact's own tags (tags_artifact index).
    for (const group of filter.tagGroups ?? []) conditions.push(group.length > 0 ? eb.exists(tags().where('tags.name', 'in', group)) : sql<SqlBool>`1 = 0`);
    if (filter.tagContains !== undefined) conditions.push(eb.exists(tags().where(containsIgnoringCase(sql.ref('tags.name'), filter.tagContains))));
    if (filter.tagged !== undefined) conditions.push(filter.tagged ? eb.exists(tags()) : eb.not(eb.exists(tags())));
    if (!filter.everyArtifact) conditions.push(isTopLevelArtifact(eb));
    return eb.and(conditions);
  });
}

/** Ids of the newest pushed matching artifact of each repository (the higher id breaks a tie). */
function latestPerRepository(db: Executor, scope: ArtifactScope, filter: ArtifactFilter) {
  const ranked = matchingArtifacts(db, scope, filter).select([
    'artifacts.id',
    sql<number>`row_number() over (partition by artifacts.repository_id order by artifacts.push_time desc, artifacts.id desc)`.as('rank'),
  ]);
  return db.selectFrom(ranked.as('ranked')).select('ranked.id').where('ranked.rank', '=', 1);
}

function filteredArtifacts(db: Executor, scope: ArtifactScope, filter: ArtifactFilter) {
  const query = matchingArtifacts(db, scope, filter);
  return filter.latestInRepository ? query.where('artifacts.id', 'in', latestPerRepository(db, scope, filter)) : query;
}

export async function countArtifacts(db: Executor, scope: ArtifactScope, filter: ArtifactFilter): Promise<number> {
  const row = await filteredArtifacts(db, scope, filter)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function listArtifacts(
  db: Executor,
  scope: ArtifactScope,
  filter: ArtifactFilter,
  sort: Sort<ArtifactSortColumn>,
  offset: number,
  limit: number,
): Promise<Artifact[]> {
  return filteredArtifacts(db, scope, filter)
    .selectAll('artifacts')
    .orderBy(`artifacts.${sort.column}`, sort.direction)
    .orderBy('artifacts.id', sort.direction)
    .offset(offset)
    .limit(limit)
    .execute();
}

export interface TagRow {
  id: number;
  repository_id: number;
  artifact_id: number;
  name: string;
  push_time: number;
  pull_time: number | null;
}

export async function tagsOf(db: Executor, artifactIds: readonly number[]): Promise<Map<number, TagRow[]>> {
  const out = new Map<number, TagRow[]>();
  if (artifactIds.length === 0) return out;
  const rows = await db
    .selectFrom('tags')
    .selectAll()
    .where('artifact_id', 'in', [...artifactIds])
    .orderBy('push_time', 'desc')
    .orderBy('id', 'desc')
    .execute();
  for (const row of rows) out.set(row.artifact_id, [...(out.get(row.artifact_id) ?? []), row]);
  return out;
}

export function findTag(db: Executor, repositoryId: number, name: string): Promise<TagRow | undefined> {
  return db.selectFrom('tags').selectAll().where('repository_id', '=', repositoryId).where('name', '=', name).executeTakeFirst();
}

/** Points the tag at the artifact, taking it from another artifact of the repository if needed. */
export async function upsertTag(db: Executor, repositoryId: number, artifactId: number, name: string, now: number): Promise<void> {
  await db
    .insertInto('tags')
    .values({ repository_id: repositoryId, artifact_id: artifactId, name, push_time: now, pull_time: null })
    .onConflict((oc) => oc.columns(['repository_id', 'name']).doUpdateSet({ artifact_id: artifactId, push_time: now }))
    .execute();
}

export async function deleteTagById(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('tags').where('id', '=', id).execute();
}

/** Artifacts of the repositories attached to any of these subjects; the caller pairs them by repository. */
export function accessoriesOfSubjects(db: Executor, repositoryIds: readonly number[], subjects: readonly string[]): Promise<Artifact[]> {
  if (subjects.length === 0 || repositoryIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('artifacts')
    .selectAll()
    .where('repository_id', 'in', [...repositoryIds])
    .where('subject_digest', 'in', [...subjects])
    .orderBy('push_time', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** `q` keys of an artifact's accessory list (Harbor's accessory columns). */
export const ACCESSORY_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  artifact_id: { column: 'id', kind: 'integer' },
  type: { column: 'accessory_type', kind: 'text' },
  digest: { column: 'digest', kind: 'text' },
  size: { column: 'size', kind: 'integer' },
  creation_time: { column: 'push_time', kind: 'time' },
};

/** One page of a subject's accessories in one repository matching `q`, newest first, with a total for paging. */
export async function accessoriesPage(
  db: Executor,
  repositoryId: number,
  subject: string,
  conditions: readonly QueryCondition[],
  offset: number,
  limit: number,
): Promise<{ total: number; accessories: Artifact[] }> {
  const rows = whereMatches(db.selectFrom('artifacts').where('repository_id', '=', repositoryId).where('subject_digest', '=', subject), conditions);
  const [count, accessories] = await Promise.all([
    rows.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    rows.selectAll().orderBy('push_time', 'desc').orderBy('id', 'desc').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(count.n), accessories };
}

export async function artifactIdsByDigest(db: Executor, repositoryId: number, digests: readonly string[]): Promise<Map<string, number>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('artifacts')
    .select(['id', 'digest'])
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', [...digests])
    .execute();
  return new Map(rows.map((r) => [r.digest, r.id]));
}

/** The project's repositories (with or without artifacts), for listings across them. */
export function repositoriesOfProject(db: Executor, projectId: number): Promise<Repository[]> {
  return db.selectFrom('repositories').selectAll().where('project_id', '=', projectId).execute();
}

export function artifactsOfRepository(db: Executor, repositoryId: number): Promise<Array<{ id: number; digest: string }>> {
  return db.selectFrom('artifacts').select(['id', 'digest']).where('repository_id', '=', repositoryId).execute();
}

/** Marks the repository changed; its row stays when its artifacts go (blob links point at it). */
export async function touchRepository(db: Executor, repositoryId: number, now: number): Promise<void> {
  await db.updateTable('repositories').set({ updated_at: now }).where('id', '=', repositoryId).execute();
}

/** Projects a listing across projects may show: public ones and those the user belongs to. */
export async function publicOrMemberProjectIds(db: Executor, userId: number | undefined): Promise<number[]> {
  const rows = await db
    .selectFrom('projects')
    .select('id')
    .where((eb) => {
      const readable: Expression<SqlBool>[] = [eb('public', '=', 1)];
      if (userId !== undefined) {
        // The user's own memberships and its groups'.
        readable.push(eb('id', 'in', userMemberRows(db, userId).select('project_members.project_id')));
      }
      return eb.or(readable);
    })
    .execute();
  return rows.map((r) => r.id);
}
