import type { Executor, QuotaRow } from '../../db/index.js';

export interface QuotaWithProject extends QuotaRow {
  project_name: string;
  owner_name: string;
}

export type QuotaSort = { column: 'hard_storage' | 'used_storage' | 'id'; descending: boolean };

function withProject(db: Executor) {
  return db
    .selectFrom('quotas')
    .innerJoin('projects', 'projects.id', 'quotas.project_id')
    .innerJoin('users', 'users.id', 'projects.owner_id')
    .selectAll('quotas')
    .select(['projects.name as project_name', 'users.username as owner_name']);
}

export async function createQuota(db: Executor, projectId: number, hardStorage: number, now: number): Promise<void> {
  await db
    .insertInto('quotas')
    .values({ project_id: projectId, hard_storage: hardStorage, used_storage: 0, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('project_id').doNothing())
    .execute();
}

export function findQuota(db: Executor, id: number): Promise<QuotaWithProject | undefined> {
  return withProject(db).where('quotas.id', '=', id).executeTakeFirst();
}

export function findProjectQuota(db: Executor, projectId: number): Promise<QuotaRow | undefined> {
  return db.selectFrom('quotas').selectAll().where('project_id', '=', projectId).executeTakeFirst();
}

export async function listQuotas(
  db: Executor,
  filter: { projectId?: number },
  sort: QuotaSort,
  offset: number,
  limit: number,
): Promise<{ total: number; quotas: QuotaWithProject[] }> {
  let count = db.selectFrom('quotas').select((eb) => eb.fn.countAll<number>().as('n'));
  let page = withProject(db);
  if (filter.projectId !== undefined) {
    count = count.where('quotas.project_id', '=', filter.projectId);
    page = page.where('quotas.project_id', '=', filter.projectId);
  }
  const direction = sort.descending ? 'desc' : 'asc';
  const [totalRow, quotas] = await Promise.all([
    count.executeTakeFirstOrThrow(),
    page.orderBy(`quotas.${sort.column}`, direction).orderBy('quotas.id', 'asc').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(totalRow.n), quotas };
}

export async function setHardStorage(db: Executor, id: number, hardStorage: number, now: number): Promise<boolean> {
  const result = await db.updateTable('quotas').set({ hard_storage: hardStorage, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
