import { Cron } from 'croner';
import type { Database, Executor, Schedule } from '../db/index.js';
import { enqueue } from './queue.js';

/** Called in the transaction that claimed a due schedule: enqueue what it stands for. */
export type ScheduleHandler = (trx: Executor, schedule: Schedule, now: number) => Promise<void>;

/** Harbor's schedule types and the cron they stand for (six fields, seconds first). */
export const SCHEDULE_PRESETS: Readonly<Record<string, string>> = {
  Hourly: '0 0 * * * *',
  Daily: '0 0 0 * * *',
  Weekly: '0 0 0 * * 0',
};

export class CronError extends Error {}

/** The next time a cron expression fires after `after`, in UTC. */
export function nextRun(cron: string, after: number): number {
  let pattern: Cron;
  try {
    // utcOffset 0, not timezone 'UTC': the same times, without Intl.DateTimeFormat, whose ICU
    // time-zone and calendar data would otherwise be paged in (megabytes) for a fixed offset.
    pattern = new Cron(cron, { paused: true, utcOffset: 0 });
  } catch (err) {
    throw new CronError(`invalid cron "${cron}": ${(err as Error).message}`);
  }
  const next = pattern.nextRun(new Date(after));
  if (!next) throw new CronError(`cron "${cron}" never fires`);
  return next.getTime();
}

/** A schedule someone sets (GC, retention, audit purge) fires at most once a minute. */
export const MIN_SCHEDULE_INTERVAL_MS = 60_000;

/**
 * Checks a cron that a user sets: it must parse, fire, and not fire more often than once a
 * minute. The seconds field is the same in every minute the cron fires in, so two runs in one
 * firing minute is the only way to fire more often, and one firing minute tells.
 */
export function validateCron(cron: string, now: number): number {
  const next = nextRun(cron, now);
  const minute = Math.floor(next / 60_000) * 60_000;
  const first = nextRun(cron, minute - 1);
  let second: number | undefined;
  try {
    second = nextRun(cron, first);
  } catch (err) {
    if (!(err instanceof CronError)) throw err;
  }
  if (second !== undefined && second - first < MIN_SCHEDULE_INTERVAL_MS) {
    throw new CronError(
      `cron "${cron}" fires more often than once a minute; schedules may fire at most once every ${MIN_SCHEDULE_INTERVAL_MS / 1000} seconds (use a single value in the seconds field, e.g. "0 */5 * * * *")`,
    );
  }
  return next;
}

/** Creates or replaces the schedule of a vendor (GC, a retention policy…); the cron must pass validateCron. */
export async function setSchedule(
  trx: Executor,
  schedule: { vendorType: string; vendorId?: number; cron: string; params?: Record<string, unknown> },
  now: number,
): Promise<void> {
  const next = validateCron(schedule.cron, now);
  const vendorId = schedule.vendorId ?? -1;
  const params = JSON.stringify(schedule.params ?? {});
  await trx
    .insertInto('schedules')
    .values({ vendor_type: schedule.vendorType, vendor_id: vendorId, cron: schedule.cron, params, next_run_at: next, created_at: now, update_time: now })
    .onConflict((oc) => oc.columns(['vendor_type', 'vendor_id']).doUpdateSet({ cron: schedule.cron, params, next_run_at: next, update_time: now }))
    .execute();
}

export async function removeSchedule(trx: Executor, vendorType: string, vendorId = -1): Promise<void> {
  await trx.deleteFrom('schedules').where('vendor_type', '=', vendorType).where('vendor_id', '=', vendorId).execute();
}

export function findSchedule(db: Executor, vendorType: string, vendorId = -1): Promise<Schedule | undefined> {
  return db.selectFrom('schedules').selectAll().where('vendor_type', '=', vendorType).where('vendor_id', '=', vendorId).executeTakeFirst();
}

/**
 * Fires each due schedule once across every instance: the transaction that moves its
 * next_run_at from the value it read is the only one that enqueues, and it does so in the
 * same transaction. A run missed while no instance was up fires once, not once per miss.
 */
export async function fireDueSchedules(database: Database, now: number, handlers: ReadonlyMap<string, ScheduleHandler>): Promise<number> {
  if (handlers.size === 0) return 0;
  const due = await database.db
    .selectFrom('schedules')
    .selectAll()
    .where('next_run_at', '<=', now)
    .where('vendor_type', 'in', [...handlers.keys()])
    .orderBy('next_run_at')
    .limit(50)
    .execute();
  let fired = 0;
  for (const schedule of due) {
    const handler = handlers.get(schedule.vendor_type);
    if (!handler) continue;
    let next: number;
    try {
      next = nextRun(schedule.cron, now);
    } catch {
      continue;
    }
    const claimed = await database.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('schedules')
        .set({ next_run_at: next })
        .where('id', '=', schedule.id)
        .where('next_run_at', '=', schedule.next_run_at)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return false;
      await handler(trx, schedule, now);
      return true;
    });
    if (claimed) fired++;
  }
  return fired;
}

/**
 * Creates the system's own schedules (vendor id -1) that do not exist yet, and moves one whose
 * cron changed (a new version) onto the new cron. Safe when several instances start at once.
 */
export async function ensureSystemSchedules(database: Database, schedules: ReadonlyArray<{ vendorType: string; cron: string }>, now: number): Promise<void> {
  for (const schedule of schedules) {
    const next = nextRun(schedule.cron, now);
    await database.db
      .insertInto('schedules')
      .values({ vendor_type: schedule.vendorType, vendor_id: -1, cron: schedule.cron, params: '{}', next_run_at: next, created_at: now, update_time: now })
      .onConflict((oc) =>
        oc
          .columns(['vendor_type', 'vendor_id'])
          .doUpdateSet({ cron: schedule.cron, next_run_at: next, update_time: now })
          .where('schedules.cron', '!=', schedule.cron),
      )
      .execute();
  }
}

/**
 * What a system schedule usually does: queue one task of `kind` as an execution of the
 * schedule's vendor type, so the work shows in the job monitor and is retried. A turn is
 * skipped while the previous run has not finished, so a stalled queue does not pile up runs.
 */
export function enqueueTaskOnSchedule(kind: string, options: { maxAttempts?: number } = {}): ScheduleHandler {
  return async (trx, schedule, now) => {
    const vendorId = Number(schedule.vendor_id);
    const unfinished = await trx
      .selectFrom('executions')
      .select('id')
      .where('vendor_type', '=', schedule.vendor_type)
      .where('vendor_id', '=', vendorId)
      .where('status', 'in', ['Pending', 'Running'])
      .limit(1)
      .executeTakeFirst();
    if (unfinished) return;
    await enqueue(trx, { vendorType: schedule.vendor_type, vendorId, trigger: 'SCHEDULE', tasks: [{ kind, maxAttempts: options.maxAttempts ?? 3 }] }, now);
  };
}
