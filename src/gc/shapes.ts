import { z } from 'zod';

export const SCHEDULE_TYPES = ['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule'] as const;
export type ScheduleType = (typeof SCHEDULE_TYPES)[number];

/** Harbor's ScheduleObj. */
export const ScheduleObjShape = z.strictObject({
  type: z.enum(SCHEDULE_TYPES),
  cron: z.string().optional(),
  next_scheduled_time: z.string().optional(),
});

/**
 * Harbor's GCHistory: one run, or (GET /system/gc/schedule) the schedule in the same shape.
 * `job_parameters` is the run's parameters and results as JSON text. With no schedule set,
 * only `schedule` and `job_parameters` are sent, as Harbor does.
 */
export const GCHistoryShape = z.strictObject({
  id: z.int().optional(),
  job_name: z.string().optional(),
  job_kind: z.string().optional(),
  job_parameters: z.string(),
  schedule: ScheduleObjShape,
  job_status: z.string().optional(),
  deleted: z.boolean().optional(),
  creation_time: z.string().optional(),
  update_time: z.string().optional(),
});

export type GCHistoryJson = z.infer<typeof GCHistoryShape>;
