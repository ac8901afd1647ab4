import { whereMatches, type Executor, type RegistryRow } from '../platform/db/index.js';
import type { QueryCondition, SortField } from '../platform/http/index.js';

export type RegistryColumn = 'id' | 'name' | 'url' | 'type' | 'created_at' | 'updated_at';

export function findRegistry(db: Executor, id: number): Promise<RegistryRow | undefined> {
  return db.selectFrom('registries').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listRegistries(
  db: Executor,
  conditions: readonly QueryCondition[],
  sort: readonly SortField<RegistryColumn>[],
  offset: number,
  limit: number,
): Promise<{ total: number; rows: RegistryRow[] }> {
  const filtered = whereMatches(db.selectFrom('registries'), conditions);
  let page = filtered.selectAll();
  for (const field of sort) page = page.orderBy(field.column, field.descending ? 'desc' : 'asc');
  const [count, rows] = await Promise.all([
    filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    page.orderBy('id').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(count.n), rows };
}

export function setStatus(db: Executor, id: number, status: 'healthy' | 'unhealthy'): Promise<unknown> {
  return db.updateTable('registries').set({ status }).where('id', '=', id).execute();
}
