import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Config } from '../platform/config/index.js';
import type { Database, Executor } from '../platform/db/index.js';
import { enqueueTaskOnSchedule, type TaskHandler } from '../platform/jobs/index.js';
import type { SystemSchedule } from '../platform/index.js';
import type { Clock } from '../platform/clock.js';

const DAY_MS = 86_400_000;
/** Rows per DELETE: short statements keep SQLite's writer lock and PostgreSQL's WAL bursts small. */
const BATCH_ROWS = 1000;

export interface HousekeepingDeps {
  config: Pick<Config, 'housekeeping'>;
  database: Database;
  clock: Clock;
}

export interface HousekeepingResult {
  events: number;
  executions: number;
}

export const HOUSEKEEPING_VENDOR = 'HOUSEKEEPING';
export const HOUSEKEEPING_TASK = 'housekeeping';
/** Hourly, thirty-five minutes past. */
export const HOUSEKEEPING_CRON = '0 35 * * * *';

/** Hourly: the default retention of the outbox and of finished job executions. */
export const housekeepingSchedule: SystemSchedule = {
  vendorType: HOUSEKEEPING_VENDOR,
  cron: HOUSEKEEPING_CRON,
  handler: enqueueTaskOnSchedule(HOUSEKEEPING_TASK),
};

export function housekeepingTasks(deps: HousekeepingDeps): Record<string, TaskHandler> {
  return {
    [HOUSEKEEPING_TASK]: async ({ log }) => {
      const result = await purgeExpired(deps);
      await log(`deleted ${result.events} outbox events and ${result.executions} finished executions past their retention`);
      return { ...result };
    },
  };
}

/** Deletes dispatched events and finished executions past their retention, in batches; answers how many went. */
export async function purgeExpired(deps: HousekeepingDeps): Promise<HousekeepingResult> {
  const now = deps.clock.now();
  const { eventsDays, executionsDays } = deps.config.housekeeping;
  const db = deps.database.db;
  const events = await inBatches((limit) => deleteDispatchedEventsBefore(db, now - eventsDays * DAY_MS, limit));
  const executions = await inBatches((limit) => deleteFinishedExecutionsBefore(db, now - executionsDays * DAY_MS, limit));
  return { events, executions };
}

async function inBatches(batch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await batch(BATCH_ROWS);
    total += deleted;
    if (deleted < BATCH_ROWS) return total;
    // better-sqlite3 runs synchronously: let requests in between batches.
    await yieldToEventLoop();
  }
}

/** Events not yet handed to their consumers are kept whatever their age. */
async function deleteDispatchedEventsBefore(db: Executor, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('events')
    .where('id', 'in', (eb) => eb.selectFrom('events').select('id').where('created_at', '<', cutoff).where('dispatched', '=', 1).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Their tasks and task logs go with them (ON DELETE CASCADE). Unfinished executions stay. */
async function deleteFinishedExecutionsBefore(db: Executor, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('executions')
    .where('id', 'in', (eb) =>
      eb.selectFrom('executions').select('id').where('end_time', '<', cutoff).where('status', 'in', ['Success', 'Error', 'Stopped']).limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
