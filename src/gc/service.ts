import type { ApiDeps } from '../api/index.js';
import { lockForTransaction, type Dialect, type Execution, type Executor, type Schedule } from '../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../platform/errors/index.js';
import type { QueryCondition } from '../platform/http/index.js';
import {
  CronError,
  enqueue,
  executionLog,
  findExecution,
  findSchedule,
  listExecutions,
  removeSchedule,
  SCHEDULE_PRESETS,
  setSchedule,
  stopExecution,
  type Trigger,
} from '../platform/jobs/index.js';
import { GC_TASK, GC_VENDOR, gcParametersSchema, type GcParameters, type GcScheduleInput } from './schema.js';

export class GcRunningError extends Error {
  constructor() {
    super('a garbage collection is already pending or running');
  }
}

/**
 * Starts a GC run unless one is pending or running: only one sweep runs at a time. On
 * PostgreSQL an advisory lock held to the end of the transaction makes the check and the
 * enqueue one step across instances; SQLite serialises writers.
 */
export async function startGc(trx: Executor, dialect: Dialect, parameters: GcParameters, trigger: Trigger, graceMinutes: number, now: number): Promise<number> {
  await lockForTransaction(trx, dialect, 'berth:garbage-collection');
  const active = await trx
    .selectFrom('executions')
    .select('id')
    .where('vendor_type', '=', GC_VENDOR)
    .where('status', 'in', ['Pending', 'Running'])
    .executeTakeFirst();
  if (active) throw new GcRunningError();
  const attrs = { delete_untagged: parameters.delete_untagged, dry_run: parameters.dry_run, workers: parameters.workers, time_window: graceMinutes };
  return enqueue(trx, { vendorType: GC_VENDOR, trigger, extraAttrs: attrs, tasks: [{ kind: GC_TASK, params: attrs, maxAttempts: 1 }] }, now);
}

/** The rules behind /system/gc: history, runs, stop, log and the schedule. */
export class GcService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'clock' | 'jobs' | 'config'>) {}

  history(offset: number, limit: number, conditions: readonly QueryCondition[]): Promise<{ total: number; executions: Execution[] }> {
    return listExecutions(this.deps.database.db, GC_VENDOR, undefined, offset, limit, conditions);
  }

  async find(id: number): Promise<Execution> {
    const execution = await findExecution(this.deps.database.db, id);
    if (!execution || execution.vendor_type !== GC_VENDOR) throw new NotFoundError('input', `garbage collection ${id} not found`);
    return execution;
  }

  async stop(id: number): Promise<void> {
    await this.find(id);
    await stopExecution(this.deps.database, id, this.deps.clock.now());
  }

  async log(id: number): Promise<string> {
    await this.find(id);
    return executionLog(this.deps.database.db, id);
  }

  schedule(): Promise<Schedule | undefined> {
    return findSchedule(this.deps.database.db, GC_VENDOR);
  }

  /** Applies a Harbor schedule body; answers the id of the run it started for `Manual`. */
  async apply(input: GcScheduleInput, mode: 'create' | 'update'): Promise<number | undefined> {
    const parsed = gcParametersSchema.safeParse(input.parameters ?? {});
    if (!parsed.success) throw new InvalidInputError('input', `invalid parameters: ${parsed.error.issues[0]?.message ?? 'unknown'}`);
    const parameters = parsed.data;
    const now = this.deps.clock.now();
    const { type } = input.schedule;
    if (type === 'Manual') {
      try {
        const id = await this.deps.database.db
          .transaction()
          .execute((trx) => startGc(trx, this.deps.database.dialect, parameters, 'MANUAL', this.deps.config.gc.graceMinutes, now));
        this.deps.jobs.wake();
        return id;
      } catch (err) {
        if (err instanceof GcRunningError) throw new ConflictError('input', err.message);
        throw err;
      }
    }
    await this.deps.database.db.transaction().execute(async (trx) => {
      if (type === 'None') return removeSchedule(trx, GC_VENDOR);
      if (mode === 'create' && (await findSchedule(trx, GC_VENDOR)))
        throw new ConflictError('input', 'a garbage collection schedule exists already; update it with PUT');
      const cron = SCHEDULE_PRESETS[type] ?? input.schedule.cron;
      if (!cron) throw new InvalidInputError('input', `schedule.cron is required for type ${type}`);
      try {
        await setSchedule(
          trx,
          { vendorType: GC_VENDOR, cron, params: { delete_untagged: parameters.delete_untagged, dry_run: parameters.dry_run, workers: parameters.workers } },
          now,
        );
      } catch (err) {
        if (err instanceof CronError) throw new InvalidInputError('input', err.message);
        throw err;
      }
    });
    return undefined;
  }
}
