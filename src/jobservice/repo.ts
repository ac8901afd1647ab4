import type { Selectable } from 'kysely';
import type { Executor, Schedule, Tables } from '../platform/db/index.js';

export type WorkerPool = Selectable<Tables['worker_pools']>;

export function listWorkerPools(db: Executor): Promise<WorkerPool[]> {
  return db.selectFrom('worker_pools').selectAll().orderBy('start_at').execute();
}

export async function workerPoolIds(db: Executor): Promise<string[]> {
  return (await db.selectFrom('worker_pools').select('id').execute()).map((p) => p.id);
}

export async function workerPoolExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('worker_pools').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** The pending tasks of a kind, or of every kind when `kind` is 'all'. */
export function pendingTasks(db: Executor, kind: string): Promise<Array<{ id: number; execution_id: number }>> {
  let pending = db.selectFrom('tasks').select(['id', 'execution_id']).where('status', '=', 'Pending');
  if (kind !== 'all') pending = pending.where('kind', '=', kind);
  return pending.execute();
}

export async function markTaskStopped(db: Executor, id: number, message: string, now: number): Promise<void> {
  await db.updateTable('tasks').set({ status: 'Stopped', status_message: message, end_time: now, update_time: now }).where('id', '=', id).execute();
}

export async function countSchedules(db: Executor): Promise<number> {
  const count = await db
    .selectFrom('schedules')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(count.n);
}

export function listSchedules(db: Executor, offset: number, limit: number): Promise<Schedule[]> {
  return db.selectFrom('schedules').selectAll().orderBy('id').offset(offset).limit(limit).execute();
}
