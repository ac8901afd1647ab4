import type { Executor, Task } from '../db/index.js';

export const PAUSED_SETTING = 'paused_job_types';

/** Kinds whose pending tasks workers leave alone for now (Harbor's paused queues). */
export async function pausedKinds(db: Executor): Promise<Set<string>> {
  const row = await db.selectFrom('settings').select('value').where('name', '=', PAUSED_SETTING).executeTakeFirst();
  return new Set(row ? (JSON.parse(row.value) as string[]) : []);
}

export async function setPausedKinds(db: Executor, kinds: ReadonlySet<string>): Promise<void> {
  const value = JSON.stringify([...kinds].sort());
  await db
    .insertInto('settings')
    .values({ name: PAUSED_SETTING, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
    .execute();
}

export interface QueueRow {
  kind: string;
  count: number;
  oldest: number | null;
}

/** Pending tasks per kind, with the oldest one's due time (for the queue's latency). */
export async function queues(db: Executor): Promise<QueueRow[]> {
  const rows = await db
    .selectFrom('tasks')
    .select((eb) => ['kind', eb.fn.countAll<number>().as('count'), eb.fn.min('run_after').as('oldest')])
    .where('status', '=', 'Pending')
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, count: Number(r.count), oldest: r.oldest === null ? null : Number(r.oldest) }));
}

export function runningTasksOf(db: Executor, owner: string): Promise<Task[]> {
  return db.selectFrom('tasks').selectAll().where('status', '=', 'Running').where('lease_owner', '=', owner).orderBy('id').execute();
}
