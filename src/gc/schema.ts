import { z } from 'zod';
import type { Execution, Schedule } from '../platform/db/index.js';
import { SCHEDULE_TYPES, type GCHistoryJson, type ScheduleType } from './shapes.js';

export const GC_VENDOR = 'GARBAGE_COLLECTION';
export const GC_TASK = 'gc';

/** Harbor's GC parameters; `workers` is accepted for compatibility (one sweep runs at a time). */
export const gcParametersSchema = z
  .object({
    delete_untagged: z.boolean().default(false),
    dry_run: z.boolean().default(false),
    workers: z.number().int().min(1).max(5).default(1),
  })
  .loose();

export type GcParameters = z.output<typeof gcParametersSchema>;

/** Harbor's `Schedule` body of POST/PUT /system/gc/schedule. */
export const gcScheduleSchema = z
  .object({
    schedule: z
      .object({
        type: z.enum(SCHEDULE_TYPES),
        cron: z.string().optional(),
      })
      .loose(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export type GcScheduleInput = z.output<typeof gcScheduleSchema>;

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/** Harbor's `GCHistory` for one run: `job_parameters` is its parameters and results as JSON text. */
export function gcHistoryJson(execution: Execution): GCHistoryJson {
  return {
    id: execution.id,
    job_name: GC_VENDOR,
    job_kind: execution.trigger,
    job_parameters: execution.extra_attrs,
    schedule: { type: execution.trigger === 'SCHEDULE' ? 'Schedule' : 'Manual' },
    job_status: execution.status,
    deleted: false,
    creation_time: iso(execution.start_time),
    update_time: iso(execution.update_time),
  };
}

/** GET /system/gc/schedule, also in `GCHistory`'s shape, as Harbor answers it. */
export function gcScheduleJson(schedule: Schedule | undefined, presets: Readonly<Record<string, string>>): GCHistoryJson {
  if (!schedule) return { schedule: { type: 'None', cron: '' }, job_parameters: '{}' };
  const preset = Object.entries(presets).find(([, cron]) => cron === schedule.cron)?.[0];
  const type: ScheduleType = SCHEDULE_TYPES.find((t) => t === preset) ?? 'Custom';
  return {
    id: schedule.id,
    job_name: GC_VENDOR,
    job_kind: 'SCHEDULE',
    job_parameters: schedule.params,
    schedule: { type, cron: schedule.cron, next_scheduled_time: iso(schedule.next_run_at) },
    deleted: false,
    creation_time: iso(schedule.created_at),
    update_time: iso(schedule.update_time),
  };
}
