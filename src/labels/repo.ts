import { containsIgnoringCase, whereMatches, type Executor, type Label } from '../platform/db/index.js';
import type { QueryCondition } from '../platform/http/index.js';
import type { LabelJson } from './schema.js';

export function labelJson(label: Label): LabelJson {
  return {
    id: label.id,
    name: label.name,
    description: label.description,
    color: label.color,
    scope: label.scope === 'p' ? 'p' : 'g',
    project_id: label.project_id,
    creation_time: new Date(label.created_at).toISOString(),
    update_time: new Date(label.updated_at).toISOString(),
  };
}

export interface NewLabel {
  name: string;
  description: string;
  color: string;
  scope: 'g' | 'p';
  projectId: number;
  now: number;
}

export async function insertLabel(db: Executor, label: NewLabel): Promise<Label> {
  return db
    .insertInto('labels')
    .values({
      name: label.name,
      description: label.description,
      color: label.color,
      scope: label.scope === 'p' ? 'p' : 'g',
      project_id: label.projectId,
      created_at: label.now,
      updated_at: label.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findLabel(db: Executor, id: number): Promise<Label | undefined> {
  return db.selectFrom('labels').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface LabelFilter {
  scope: 'g' | 'p';
  projectId: number;
  nameContains?: string;
  /** From `q`: what each label must also match. */
  conditions?: readonly QueryCondition[];
}

export async function listLabels(db: Executor, filter: LabelFilter, page: { offset: number; limit: number }): Promise<{ total: number; labels: Label[] }> {
  let query = db.selectFrom('labels').where('scope', '=', filter.scope).where('project_id', '=', filter.projectId);
  if (filter.nameContains) query = query.where((eb) => containsIgnoringCase(eb.ref('name'), filter.nameContains ?? ''));
  query = whereMatches(query, filter.conditions ?? []);
  const count = await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  const labels = await query.selectAll().orderBy('id').offset(page.offset).limit(page.limit).execute();
  return { total: Number(count.n), labels };
}

export async function updateLabel(db: Executor, id: number, changes: { name: string; description: string; color: string; now: number }): Promise<void> {
  await db
    .updateTable('labels')
    .set({ name: changes.name, description: changes.description, color: changes.color, updated_at: changes.now })
    .where('id', '=', id)
    .execute();
}

export async function deleteLabel(db: Executor, id: number): Promise<void> {
  // The foreign key cascades too; deleting explicitly keeps the rule visible here.
  await db.deleteFrom('artifact_labels').where('label_id', '=', id).execute();
  await db.deleteFrom('labels').where('id', '=', id).execute();
}

export async function isAttached(db: Executor, artifactId: number, labelId: number): Promise<boolean> {
  const row = await db.selectFrom('artifact_labels').select('label_id').where('artifact_id', '=', artifactId).where('label_id', '=', labelId).executeTakeFirst();
  return row !== undefined;
}

export async function attach(db: Executor, artifactId: number, labelId: number, now: number): Promise<void> {
  await db.insertInto('artifact_labels').values({ artifact_id: artifactId, label_id: labelId, created_at: now }).execute();
}

/** Whether a row was removed. */
export async function detach(db: Executor, artifactId: number, labelId: number): Promise<boolean> {
  const result = await db.deleteFrom('artifact_labels').where('artifact_id', '=', artifactId).where('label_id', '=', labelId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The labels on each artifact, in the order they were attached. */
export async function labelsOfArtifacts(db: Executor, artifactIds: readonly number[]): Promise<Map<number, LabelJson[]>> {
  const result = new Map<number, LabelJson[]>();
  if (artifactIds.length === 0) return result;
  const rows = await db
    .selectFrom('artifact_labels')
    .innerJoin('labels', 'labels.id', 'artifact_labels.label_id')
    .selectAll('labels')
    .select('artifact_labels.artifact_id')
    .where('artifact_labels.artifact_id', 'in', [...artifactIds])
    .orderBy('artifact_labels.created_at')
    .orderBy('labels.id')
    .execute();
  for (const { artifact_id, ...label } of rows) {
    const list = result.get(artifact_id) ?? [];
    list.push(labelJson(label));
    result.set(artifact_id, list);
  }
  return result;
}

/** The artifact a Harbor `reference` names in a repository: a digest, or else a tag. */
export async function findArtifactId(db: Executor, repositoryName: string, reference: string): Promise<number | undefined> {
  const repository = await db.selectFrom('repositories').select('id').where('name', '=', repositoryName).executeTakeFirst();
  if (!repository) return undefined;
  if (reference.includes(':')) {
    const artifact = await db.selectFrom('artifacts').select('id').where('repository_id', '=', repository.id).where('digest', '=', reference).executeTakeFirst();
    return artifact?.id;
  }
  const tag = await db.selectFrom('tags').select('artifact_id').where('repository_id', '=', repository.id).where('name', '=', reference).executeTakeFirst();
  return tag?.artifact_id;
}
