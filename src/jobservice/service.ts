import type { ApiDeps } from '../api/index.js';
import type { Schedule, Task } from '../platform/db/index.js';
import { NotFoundError } from '../platform/errors/index.js';
import { findTask, pausedKinds, queues, refreshExecution, runningTasksOf, setPausedKinds, stopTask, taskLog, type QueueRow } from '../platform/jobs/index.js';
import { countSchedules, listSchedules, listWorkerPools, markTaskStopped, pendingTasks, workerPoolExists, workerPoolIds, type WorkerPool } from './repo.js';

export type QueueAction = 'stop' | 'pause' | 'resume';

/** The rules behind Harbor's job service monitoring and /schedules, over the database queue. */
export class JobMonitorService {
  constructor(private readonly deps: Pick<ApiDeps, 'database' | 'clock' | 'jobs'>) {}

  pools(): Promise<WorkerPool[]> {
    return listWorkerPools(this.deps.database.db);
  }

  /** The running tasks of one pool, or of every pool when `poolId` is 'all'. */
  async workers(poolId: string): Promise<Array<{ poolId: string; task: Task }>> {
    const db = this.deps.database.db;
    let poolIds: string[];
    if (poolId === 'all') poolIds = await workerPoolIds(db);
    else {
      if (!(await workerPoolExists(db, poolId))) throw new NotFoundError('input', `worker pool ${poolId} not found`);
      poolIds = [poolId];
    }
    const workers = [];
    for (const id of poolIds) {
      for (const task of await runningTasksOf(db, id)) workers.push({ poolId: id, task });
    }
    return workers;
  }

  async task(id: number, raw: string): Promise<Task> {
    const task = await findTask(this.deps.database.db, id);
    if (!task) throw new NotFoundError('input', `job ${raw} not found`);
    return task;
  }

  async stop(id: number, raw: string): Promise<void> {
    const task = await this.task(id, raw);
    await stopTask(this.deps.database, task, this.deps.clock.now());
  }

  async log(id: number, raw: string): Promise<string> {
    const task = await this.task(id, raw);
    return taskLog(this.deps.database.db, task.id);
  }

  async queues(): Promise<{ rows: QueueRow[]; paused: Set<string> }> {
    const db = this.deps.database.db;
    const paused = await pausedKinds(db);
    const rows = await queues(db);
    return { rows, paused };
  }

  /** Stops the pending tasks of a kind, or pauses or resumes it ('all' for every kind), in one transaction. */
  async act(kind: string, action: QueueAction): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.database.db.transaction().execute(async (trx) => {
      if (action === 'stop') {
        const stopped = await pendingTasks(trx, kind);
        for (const task of stopped) await markTaskStopped(trx, task.id, 'stopped from the queue', now);
        for (const executionId of new Set(stopped.map((t) => t.execution_id))) await refreshExecution(trx, executionId, now);
        return;
      }
      const paused = await pausedKinds(trx);
      const kinds = kind === 'all' ? (await queues(trx)).map((q) => q.kind) : [kind];
      for (const k of kinds) {
        if (action === 'pause') paused.add(k);
        else paused.delete(k);
      }
      if (kind === 'all' && action === 'resume') paused.clear();
      await setPausedKinds(trx, paused);
    });
    this.deps.jobs.wake();
  }

  async schedules(offset: number, limit: number): Promise<{ total: number; schedules: Schedule[] }> {
    const db = this.deps.database.db;
    const [total, schedules] = await Promise.all([countSchedules(db), listSchedules(db, offset, limit)]);
    return { total, schedules };
  }

  /** Whether a kind is paused; for 'all', whether any is. */
  async paused(kind: string): Promise<boolean> {
    const paused = await pausedKinds(this.deps.database.db);
    return kind === 'all' ? paused.size > 0 : paused.has(kind);
  }
}
