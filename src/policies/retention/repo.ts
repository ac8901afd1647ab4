import type { Executor, RetentionPolicyRow } from '../../platform/db/index.js';
import type { Candidate } from './rules.js';

export function findPolicy(db: Executor, id: number): Promise<RetentionPolicyRow | undefined> {
  return db.selectFrom('retention_policies').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findPolicyOfProject(db: Executor, projectId: number): Promise<RetentionPolicyRow | undefined> {
  return db.selectFrom('retention_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

/** Inserts a policy; `rules` and `trigger` are Harbor's JSON. */
export async function insertPolicy(db: Executor, projectId: number, rules: string, trigger: string, now: number): Promise<number> {
  const row = await db
    .insertInto('retention_policies')
    .values({ project_id: projectId, algorithm: 'or', rules, trigger, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updatePolicyRow(db: Executor, id: number, rules: string, trigger: string, now: number): Promise<void> {
  await db.updateTable('retention_policies').set({ rules, trigger, updated_at: now }).where('id', '=', id).execute();
}

export async function deletePolicyRow(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('retention_policies').where('id', '=', id).execute();
}

/** The project's repositories, with their names inside the project for the rules' patterns. */
export async function repositoriesOf(db: Executor, projectId: number): Promise<Array<{ id: number; name: string; inside: string }>> {
  const rows = await db.selectFrom('repositories').select(['id', 'name']).where('project_id', '=', projectId).orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, inside: r.name.slice(r.name.indexOf('/') + 1) }));
}

/**
 * The artifacts retention weighs in a repository: those that stand on their own. Accessories
 * (signatures, SBOMs) go with their subject, and an index's children with the index.
 */
export async function candidatesOf(db: Executor, repositoryId: number): Promise<Candidate[]> {
  const artifacts = await db
    .selectFrom('artifacts')
    .select(['id', 'digest', 'push_time', 'pull_time'])
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', 'is', null)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('artifact_references as r')
            .innerJoin('artifacts as parent', 'parent.id', 'r.artifact_id')
            .select('r.artifact_id')
            .where('parent.repository_id', '=', repositoryId)
            .where('r.child_kind', '=', 'manifest')
            .whereRef('r.child_digest', '=', 'artifacts.digest'),
        ),
      ),
    )
    .orderBy('id')
    .execute();
  if (artifacts.length === 0) return [];
  const tags = await db.selectFrom('tags').select(['artifact_id', 'name']).where('repository_id', '=', repositoryId).orderBy('name').execute();
  const byArtifact = new Map<number, string[]>();
  for (const tag of tags) {
    const list = byArtifact.get(tag.artifact_id) ?? [];
    list.push(tag.name);
    byArtifact.set(tag.artifact_id, list);
  }
  return artifacts.map((a) => ({
    id: a.id,
    digest: a.digest,
    tags: byArtifact.get(a.id) ?? [],
    pushTime: Number(a.push_time),
    pullTime: a.pull_time === null ? null : Number(a.pull_time),
  }));
}
