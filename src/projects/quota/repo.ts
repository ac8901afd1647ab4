import { sql } from 'kysely';
import type { Executor, QuotaRow } from '../../platform/db/index.js';
import { changeLimit, createQuotaRows } from './ledger.js';

export interface QuotaWithProject extends QuotaRow {
  project_name: string;
  owner_name: string;
  used_storage: number;
}

export type QuotaSort = { column: 'hard_storage' | 'used_storage' | 'id'; descending: boolean };

function withProject(db: Executor) {
  return db
    .selectFrom('quotas')
    .innerJoin('projects', 'projects.id', 'quotas.project_id')
    .innerJoin('users', 'users.id', 'projects.owner_id')
    .selectAll('quotas')
    .select(['projects.name as project_name', 'users.username as owner_name'])
    .select(sql<number | string>`(select coalesce(sum(s.used), 0) from quota_shards s where s.project_id = quotas.project_id)`.as('used_storage'));
}

function normalize<T extends { used_storage: number | string }>(row: T): T & { used_storage: number } {
  return { ...row, used_storage: Number(row.used_storage) };
}

export async function createQuota(db: Executor, projectId: number, hardStorage: number, now: number): Promise<void> {
  await createQuotaRows(db, projectId, hardStorage, now);
}

export async function findQuota(db: Executor, id: number): Promise<QuotaWithProject | undefined> {
  const row = await withProject(db).where('quotas.id', '=', id).executeTakeFirst();
  return row ? normalize(row) : undefined;
}

export async function findProjectQuota(db: Executor, projectId: number): Promise<QuotaWithProject | undefined> {
  const row = await withProject(db).where('quotas.project_id', '=', projectId).executeTakeFirst();
  return row ? normalize(row) : undefined;
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
  const ordered = sort.column === 'used_storage' ? page.orderBy('used_storage', direction) : page.orderBy(`quotas.${sort.column}`, direction);
  const [totalRow, quotas] = await Promise.all([count.executeTakeFirstOrThrow(), ordered.orderBy('quotas.id', 'asc').offset(offset).limit(limit).execute()]);
  return { total: Number(totalRow.n), quotas: quotas.map(normalize) };
}

/** A new limit; the project's shards share the new headroom out. */
export async function setHardStorage(db: Executor, id: number, hardStorage: number, now: number): Promise<boolean> {
  const quota = await db.selectFrom('quotas').select('project_id').where('id', '=', id).executeTakeFirst();
  if (!quota) return false;
  await changeLimit(db, quota.project_id, hardStorage, now);
  return true;
}
