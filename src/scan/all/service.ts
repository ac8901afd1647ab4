import type { Database, Execution, Schedule } from '../../platform/db/index.js';
import type { Clock } from '../../platform/clock.js';
import { ConflictError, InvalidInputError } from '../../platform/errors/index.js';
import { CronError, findSchedule, removeSchedule, SCHEDULE_PRESETS, setSchedule, stopExecution, type JobService, type Trigger } from '../../platform/jobs/index.js';
import { SCAN_TASK } from '../jobs/plan.js';
import { latestScanAll, ScanAllRunningError, SCAN_ALL_VENDOR, startScanAll } from './plan.js';

/** Harbor's `Stats` of a scan-all run. */
export interface ScanAllStats {
  total: number;
  completed: number;
  metrics: Record<string, number>;
  requester?: string;
  ongoing: boolean;
  trigger?: 'Manual' | 'Schedule' | 'Event';
}

export interface ScheduleInput {
  schedule: { type: string; cron?: string | undefined };
}

const TRIGGERS: Record<string, ScanAllStats['trigger']> = { MANUAL: 'Manual', SCHEDULE: 'Schedule', EVENT: 'Event' };

/** The rules behind /system/scanAll and /scans/…/metrics. */
export class ScanAllService {
  constructor(private readonly deps: { database: Database; clock: Clock; jobs: Pick<JobService, 'wake'> }) {}

  schedule(): Promise<Schedule | undefined> {
    return findSchedule(this.deps.database.db, SCAN_ALL_VENDOR);
  }

  /** Applies a Harbor schedule body; answers the execution it started for `Manual`. */
  async apply(input: ScheduleInput, mode: 'create' | 'update', operator: string): Promise<number | undefined> {
    const { database, clock } = this.deps;
    const now = clock.now();
    const { type } = input.schedule;
    if (type === 'Manual') {
      try {
        const id = await database.db.transaction().execute((trx) => startScanAll(trx, database.dialect, 'MANUAL', operator, now));
        this.deps.jobs.wake();
        return id;
      } catch (err) {
        if (err instanceof ScanAllRunningError) throw new ConflictError('input', err.message);
        throw err;
      }
    }
    await database.db.transaction().execute(async (trx) => {
      if (type === 'None') return removeSchedule(trx, SCAN_ALL_VENDOR);
      if (mode === 'create' && (await findSchedule(trx, SCAN_ALL_VENDOR)))
        throw new ConflictError('input', 'a scan-all schedule exists already; update it with PUT');
      const cron = SCHEDULE_PRESETS[type] ?? input.schedule.cron;
      if (!cron) throw new InvalidInputError('input', `schedule.cron is required for type ${type}`);
      try {
        await setSchedule(trx, { vendorType: SCAN_ALL_VENDOR, cron }, now);
      } catch (err) {
        if (err instanceof CronError) throw new InvalidInputError('input', err.message);
        throw err;
      }
    });
    return undefined;
  }

  /** Stops the running scan-all: queued scans never start, running ones are told to stop. */
  async stop(): Promise<void> {
    const { database, clock } = this.deps;
    const latest = await latestScanAll(database.db);
    if (!latest || !['Pending', 'Running'].includes(latest.status)) throw new InvalidInputError('input', 'no scan of all artifacts is running');
    const now = clock.now();
    await stopExecution(database, latest.id, now);
    // Reports of scans stopped before they started stay Pending otherwise.
    await database.db
      .updateTable('scan_reports')
      .set({ status: 'Stopped', status_message: 'stopped', end_time: now })
      .where('status', '=', 'Pending')
      .where('task_id', 'in', (eb) => eb.selectFrom('tasks').select('id').where('execution_id', '=', latest.id).where('status', '=', 'Stopped'))
      .execute();
  }

  /** Harbor's Stats of the latest run (or the latest scheduled one): its scans by status. */
  async stats(trigger?: Trigger): Promise<ScanAllStats> {
    const db = this.deps.database.db;
    const execution: Execution | undefined = await latestScanAll(db, trigger);
    if (!execution) return { total: 0, completed: 0, metrics: {}, ongoing: false };
    const rows = await db
      .selectFrom('tasks')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('execution_id', '=', execution.id)
      .where('kind', '=', SCAN_TASK)
      .groupBy('status')
      .execute();
    const metrics: Record<string, number> = {};
    for (const row of rows) metrics[row.status] = Number(row.n);
    const total = Object.values(metrics).reduce((a, b) => a + b, 0);
    const completed = (metrics.Success ?? 0) + (metrics.Error ?? 0) + (metrics.Stopped ?? 0);
    return {
      total,
      completed,
      metrics,
      requester: String(execution.id),
      ongoing: execution.status === 'Pending' || execution.status === 'Running',
      ...(TRIGGERS[execution.trigger] ? { trigger: TRIGGERS[execution.trigger] } : {}),
    };
  }
}
