import type { Counter, Histogram } from 'prom-client';
import type { Database, Task } from '../db/index.js';
import { TASK_BUCKETS, type Metrics } from '../metrics/index.js';
import { queues } from './monitor-repo.js';

/** How a run of a task ended, as a label. */
export type TaskOutcome = 'success' | 'error' | 'stopped' | 'retried' | 'interrupted';

/**
 * The job service's metrics. The queue's depth is read from the database when scraped (it is
 * shared by every instance: take the max across instances, not the sum); the rest is counted
 * by this instance's workers as they run tasks.
 */
export class JobMetrics {
  private readonly runs: Counter<'kind' | 'outcome'>;
  private readonly wait: Histogram<'kind'>;
  private readonly duration: Histogram<'kind'>;

  constructor(metrics: Metrics, database: Database, running: () => number, now: () => number) {
    this.runs = metrics.counter('berth_job_task_runs_total', 'Background task runs on this instance, by task kind and outcome', ['kind', 'outcome']);
    this.wait = metrics.histogram('berth_job_task_wait_seconds', 'Time a task waited from being due to a worker starting it, by task kind', ['kind'], TASK_BUCKETS);
    this.duration = metrics.histogram('berth_job_task_duration_seconds', 'Time a task ran on this instance, by task kind', ['kind'], TASK_BUCKETS);
    metrics.gauge('berth_job_tasks_running', 'Tasks running on this instance now', [], (gauge) => gauge.set(running()));
    metrics.gauge('berth_job_queue_depth', 'Tasks waiting in the queue (shared by all instances), by task kind', ['kind'], async (gauge) => {
      gauge.reset();
      for (const queue of await queues(database.db)) gauge.set({ kind: queue.kind }, queue.count);
    });
    metrics.gauge('berth_job_queue_oldest_seconds', 'How long the longest-due waiting task of each kind has been due', ['kind'], async (gauge) => {
      gauge.reset();
      const at = now();
      for (const queue of await queues(database.db)) if (queue.oldest !== null) gauge.set({ kind: queue.kind }, Math.max(0, at - queue.oldest) / 1000);
    });
  }

  started(task: Task, now: number): void {
    this.wait.observe({ kind: task.kind }, Math.max(0, now - task.run_after) / 1000);
  }

  finished(task: Task, outcome: TaskOutcome, seconds: number): void {
    this.runs.inc({ kind: task.kind, outcome });
    this.duration.observe({ kind: task.kind }, seconds);
  }
}
