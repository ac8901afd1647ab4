import type { Executor } from '../platform/db/index.js';

/** Repository counts by project id. */
export async function repositoryCountsByProject(db: Executor): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom('repositories')
    .select((eb) => ['project_id', eb.fn.countAll().as('count')])
    .groupBy('project_id')
    .execute();
  return new Map(rows.map((r) => [r.project_id, Number(r.count)]));
}

/** Bytes of every verified blob: what the registry holds on storage. */
export async function totalBlobBytes(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('blobs')
    .select((eb) => eb.fn.sum<number | string | null>('size').as('bytes'))
    .executeTakeFirst();
  return Number(row?.bytes ?? 0);
}
