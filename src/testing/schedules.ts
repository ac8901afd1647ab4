import type { Database, Execution } from '../platform/db/index.js';
import { FINAL_STATUSES } from '../platform/jobs/index.js';
import { eventually } from './wait.js';

/**
 * Makes a system schedule due now (by the app's clock) and waits for the run it queues to
 * finish; answers that run's execution.
 */
export async function fireSystemSchedule(database: Database, vendorType: string, now: number, timeoutMs = 30_000): Promise<Execution> {
  const { db } = database;
  // A run already queued (the schedule came due by itself) stands for this one: the schedule skips a turn while one is unfinished.
  const last = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('vendor_type', '=', vendorType)
    .where('status', 'in', [...FINAL_STATUSES])
    .executeTakeFirst();
  const after = Number(last?.id ?? 0);
  const moved = await db
    .updateTable('schedules')
    .set({ next_run_at: now - 1 })
    .where('vendor_type', '=', vendorType)
    .where('vendor_id', '=', -1)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw new Error(`no system schedule ${vendorType}`);
  return eventually(async () => {
    const execution = await db.selectFrom('executions').selectAll().where('vendor_type', '=', vendorType).where('id', '>', after).orderBy('id').executeTakeFirst();
    return execution && FINAL_STATUSES.has(execution.status) ? execution : undefined;
  }, timeoutMs);
}
