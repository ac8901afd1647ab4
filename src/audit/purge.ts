import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import type { Database } from '../platform/db/index.js';
import { enqueue, removeSchedule, setSchedule, type ScheduleHandler, type TaskHandler } from '../platform/jobs/index.js';
import type { Clock } from '../platform/clock.js';
import { countAuditLogsOfTypesBefore, deleteAuditLogsOfTypesBefore } from './repo.js';

export const PURGE_AUDIT_VENDOR = 'PURGE_AUDIT_LOG';
export const PURGE_AUDIT_TASK = 'purge-audit-log';
const BATCH_ROWS = 5000;

/** Harbor's purge parameters: `{audit_retention_hour, include_event_types, dry_run}`. */
export const purgeParameters = z.object({
  audit_retention_hour: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 365 * 100),
  include_event_types: z.string().max(4096).default(''),
  dry_run: z.union([z.boolean(), z.stringbool()]).default(false),
});

export type PurgeParameters = z.output<typeof purgeParameters>;

/** `create_artifact,Delete , pull` → `['create_artifact', 'delete', 'pull']`. */
export function eventTypesOf(list: string): string[] {
  return [
    ...new Set(
      list
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter((t) => t.length > 0),
    ),
  ];
}

/** Queues a purge run; answers the execution id. */
export async function enqueuePurge(database: Database, parameters: PurgeParameters, trigger: 'MANUAL' | 'SCHEDULE', now: number): Promise<number> {
  return database.db
    .transaction()
    .execute((trx) =>
      enqueue(trx, { vendorType: PURGE_AUDIT_VENDOR, trigger, extraAttrs: { ...parameters }, tasks: [{ kind: PURGE_AUDIT_TASK, params: { ...parameters } }] }, now),
    );
}

/** Sets the purge schedule (a bad cron throws the jobs' CronError); `params` is kept on the schedule. */
export async function setPurgeSchedule(database: Database, cron: string, params: { type: string; parameters: PurgeParameters }, now: number): Promise<void> {
  await database.db.transaction().execute((trx) => setSchedule(trx, { vendorType: PURGE_AUDIT_VENDOR, cron, params }, now));
}

/** Removes the purge schedule, if there is one. */
export async function removePurgeSchedule(database: Database): Promise<void> {
  await database.db.transaction().execute((trx) => removeSchedule(trx, PURGE_AUDIT_VENDOR));
}

/** The purge task. */
export function auditPurgeTasks({ database, clock }: { database: Database; clock: Clock }): Record<string, TaskHandler> {
  const purge: TaskHandler = async ({ params, signal, log }) => {
    const parameters = purgeParameters.parse(params);
    const types = eventTypesOf(parameters.include_event_types);
    const cutoff = clock.now() - parameters.audit_retention_hour * 3_600_000;
    await log(`purging audit logs older than ${new Date(cutoff).toISOString()} of event types [${types.join(', ')}]${parameters.dry_run ? ' (dry run)' : ''}`);
    if (types.length === 0) {
      await log('no event types included: nothing to purge');
      return { purged_rows: 0 };
    }
    if (parameters.dry_run) {
      const count = await countAuditLogsOfTypesBefore(database.db, cutoff, types);
      await log(`dry run: ${count} rows would be purged`);
      return { purged_rows: 0, would_purge_rows: count };
    }
    let total = 0;
    while (!signal.aborted) {
      const deleted = await deleteAuditLogsOfTypesBefore(database.db, cutoff, types, BATCH_ROWS);
      total += deleted;
      if (deleted < BATCH_ROWS) break;
      await yieldToEventLoop();
    }
    await log(`purged ${total} rows`);
    return { purged_rows: total };
  };
  return { [PURGE_AUDIT_TASK]: purge };
}

/** What the purge schedule an administrator set does when due. */
export function auditPurgeScheduleHandlers(): Record<string, ScheduleHandler> {
  const fire: ScheduleHandler = async (trx, schedule, now) => {
    const stored = JSON.parse(schedule.params) as { parameters?: unknown };
    const parameters = purgeParameters.safeParse(stored.parameters ?? {});
    if (!parameters.success) return;
    await enqueue(
      trx,
      {
        vendorType: PURGE_AUDIT_VENDOR,
        trigger: 'SCHEDULE',
        extraAttrs: { ...parameters.data },
        tasks: [{ kind: PURGE_AUDIT_TASK, params: { ...parameters.data } }],
      },
      now,
    );
  };
  return { [PURGE_AUDIT_VENDOR]: fire };
}
