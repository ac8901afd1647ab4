import { enqueueTaskOnSchedule, type TaskHandler } from '../../platform/jobs/index.js';
import type { FeatureModule, SystemSchedule } from '../../platform/index.js';
import { updateFromSources, type UpdateDeps } from './update.js';

export const VULNDB_UPDATE_VENDOR = 'VULNDB_UPDATE';
export const VULNDB_UPDATE_TASK = 'vulndb-update';
/** Daily, at 03:17 UTC (off the hour, when other schedules cluster). */
export const VULNDB_UPDATE_CRON = '0 17 3 * * *';

export type VulnDbDeps = UpdateDeps;

/** Daily: download and import `scan.vulndb.sources`; nothing to do (and said so) when none are configured. */
export const vulnDbUpdateSchedule: SystemSchedule = {
  vendorType: VULNDB_UPDATE_VENDOR,
  cron: VULNDB_UPDATE_CRON,
  handler: enqueueTaskOnSchedule(VULNDB_UPDATE_TASK),
};

export function vulnDbTasks(deps: VulnDbDeps): Record<string, TaskHandler> {
  return {
    [VULNDB_UPDATE_TASK]: async ({ log, signal }) => {
      if (deps.config.scan.vulndb.sources.length === 0) {
        await log('no scan.vulndb.sources configured: nothing to update');
        return { sources: 0 };
      }
      const outcomes = await updateFromSources(deps, { signal, log });
      let failed = 0;
      for (const outcome of outcomes) {
        if (outcome.summary) {
          const s = outcome.summary;
          await log(`${outcome.url}: imported ${s.imported}, updated ${s.updated}, unchanged ${s.unchanged}, invalid ${s.invalid}`);
        } else {
          failed += 1;
          await log(`${outcome.url}: not imported: ${outcome.error ?? 'unknown error'}`);
        }
      }
      // Every source failing is a failed run (retried, visible in the task list); some failing is logged.
      if (failed === outcomes.length) throw new Error(`no vulnerability data source could be imported (${failed} failed)`);
      return { sources: outcomes.length, failed };
    },
  };
}

/**
 * The vulnerability database's background work, for the scan module to include:
 * `tasks` and `schedules` of this piece go into the scan module's FeatureModule.
 */
export const vulnDbModule: FeatureModule<VulnDbDeps> = {
  name: 'vulndb',
  tasks: vulnDbTasks,
  schedules: () => [vulnDbUpdateSchedule],
};
