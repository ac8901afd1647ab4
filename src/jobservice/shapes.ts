import { z } from 'zod';

/** Harbor's WorkerPool: a Berth instance that runs background work. */
export const WorkerPoolShape = z.strictObject({
  pid: z.int(),
  worker_pool_id: z.string(),
  start_at: z.string().optional(),
  heartbeat_at: z.string().optional(),
  concurrency: z.int(),
  host: z.string(),
});

/** Harbor's Worker: a task an instance is running now. */
export const WorkerShape = z.strictObject({
  id: z.string(),
  pool_id: z.string(),
  job_name: z.string(),
  job_id: z.string(),
  start_at: z.string().optional(),
  check_in: z.string(),
  checkin_at: z.string().optional(),
});

/** Harbor's JobQueue: the pending tasks of one kind; `latency` is the oldest one's wait in seconds. */
export const JobQueueShape = z.strictObject({ job_type: z.string(), count: z.int(), latency: z.int(), paused: z.boolean() });

export type WorkerPoolJson = z.infer<typeof WorkerPoolShape>;
export type WorkerJson = z.infer<typeof WorkerShape>;
export type JobQueueJson = z.infer<typeof JobQueueShape>;
