import type { ApiDeps } from '../api/index.js';
import { findExecution, type ScheduleHandler, type TaskHandler } from '../platform/jobs/index.js';
import { collectGarbage, isStopped, NO_PROGRESS, type GcProgress } from './collector.js';
import { GC_TASK, GC_VENDOR, gcParametersSchema } from './schema.js';
import { GcMetrics } from './metrics.js';
import { GcRunningError, startGc } from './service.js';

export type GcJobDeps = Pick<ApiDeps, 'database' | 'storage' | 'clock' | 'config' | 'content' | 'metrics'>;

/** The GC task handler. */
export function gcTasks(deps: GcJobDeps): Record<string, TaskHandler> {
  const { database, storage, clock, config, content } = deps;
  const metrics = new GcMetrics(deps.metrics);
  const run: TaskHandler = async ({ execution, params, signal, log }) => {
    const parameters = gcParametersSchema.parse(params);
    const graceMinutes = typeof params.time_window === 'number' ? params.time_window : config.gc.graceMinutes;
    // A real run continues the counts of an attempt that died; a dry run simply counts again.
    const earlier = JSON.parse(execution.extra_attrs) as Partial<GcProgress>;
    const progress: GcProgress = parameters.dry_run
      ? { ...NO_PROGRESS }
      : {
          deleted_untagged: earlier.deleted_untagged ?? 0,
          purged_blobs: earlier.purged_blobs ?? 0,
          purged_manifests: earlier.purged_manifests ?? 0,
          freed_space: earlier.freed_space ?? 0,
        };
    const cutoff = clock.now() - graceMinutes * 60_000;
    await log(
      `garbage collection ${parameters.dry_run ? '(dry run) ' : ''}started: delete_untagged=${parameters.delete_untagged}, ` +
        `keeping content newer than ${new Date(cutoff).toISOString()}`,
    );
    try {
      const result = await collectGarbage(
        { database, content, storage, now: () => clock.now(), executionId: execution.id, progress, signal, log },
        { deleteUntagged: parameters.delete_untagged, dryRun: parameters.dry_run, cutoff, batchSize: config.gc.batchSize, pauseFactor: config.gc.pauseFactor },
      );
      metrics.finished('success', parameters.dry_run);
      if (!parameters.dry_run) metrics.deleted(progress, result);
      return { ...result };
    } catch (err) {
      metrics.finished(isStopped(err) ? 'stopped' : 'error', parameters.dry_run);
      // What a run that ended early deleted is in the counts it recorded batch by batch.
      if (!parameters.dry_run) {
        const recorded = await findExecution(database.db, execution.id).catch(() => undefined);
        if (recorded) metrics.deleted(progress, { ...progress, ...(JSON.parse(recorded.extra_attrs) as Partial<GcProgress>) });
      }
      if (isStopped(err)) await log('stopped');
      throw err;
    }
  };
  return { [GC_TASK]: run };
}

/** What a due GC schedule does. */
export function gcScheduleHandlers(deps: Pick<GcJobDeps, 'database' | 'config'>): Record<string, ScheduleHandler> {
  const { database, config } = deps;
  const fire: ScheduleHandler = async (trx, schedule, now) => {
    const parameters = gcParametersSchema.parse(JSON.parse(schedule.params));
    try {
      await startGc(trx, database.dialect, parameters, 'SCHEDULE', config.gc.graceMinutes, now);
    } catch (err) {
      // The previous run is still going: this turn is skipped, as Harbor does.
      if (!(err instanceof GcRunningError)) throw err;
    }
  };
  return { [GC_VENDOR]: fire };
}
