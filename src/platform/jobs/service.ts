import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Database, Execution, Task } from '../db/index.js';
import type { Clock } from '../clock.js';
import { claimTask, CRASH_ALLOWANCE, findExecution, refreshExecution } from './queue.js';
import { pausedKinds } from './monitor-repo.js';
import { fireDueSchedules, type ScheduleHandler } from './schedules.js';
import type { Metrics } from '../metrics/index.js';
import { JobMetrics, type TaskOutcome } from './metrics.js';

export interface TaskContext {
  task: Task;
  execution: Execution;
  params: Record<string, unknown>;
  /** Aborted when the execution is stopped; long work checks it between batches. */
  signal: AbortSignal;
  log(line: string): Promise<void>;
  /** What an earlier attempt of this task saved to go on from; undefined on a fresh start. */
  checkpoint: Record<string, unknown> | undefined;
  /**
   * Saves where the task stands, so the attempt after a failure, a restart or a crash continues
   * from there. Only while this worker holds the task; cleared when the task ends.
   */
  saveCheckpoint(value: Record<string, unknown>): Promise<void>;
}

/**
 * A failure that another attempt cannot mend (a target that policy forbids, a malformed
 * request): the task ends in Error at once instead of being retried with backoff.
 */
export class FinalTaskError extends Error {}

/** Answers the task's result attributes (kept in its extra_attrs), or throws to fail it. */
export type TaskHandler = (context: TaskContext) => Promise<Record<string, unknown> | void>;

export interface JobServiceOptions {
  database: Database;
  clock: Clock;
  /** Tasks run at once on this instance. */
  concurrency: number;
  /** How often idle workers look for work and schedules are checked. */
  pollMs?: number;
  /** A task whose worker has not renewed its lease for this long is taken over. */
  leaseMs?: number;
  log?: { error(obj: object, msg: string): void; info?(obj: object, msg: string): void };
  /** Where the queue's depth and the tasks' waits, runs and outcomes are counted. */
  metrics?: Metrics;
}

/** Delay before attempt n+1 after n failures: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(attempts - 1, 0), 5 * 60_000);
}

/**
 * The job service: workers that claim tasks from the database queue, run the handler
 * registered for their kind, renew their lease while running, and record the outcome;
 * and the scheduler that turns due cron schedules into executions, once across instances.
 */
export class JobService {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly handlers = new Map<string, TaskHandler>();
  private readonly scheduleHandlers = new Map<string, ScheduleHandler>();
  private readonly running = new Map<number, AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** A wake came while a poll ran: that poll may have looked before the work it was woken for. */
  private wokenWhilePolling = false;
  private stopped = true;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly metrics: JobMetrics | undefined;

  constructor(private readonly options: JobServiceOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.metrics =
      options.metrics &&
      new JobMetrics(
        options.metrics,
        options.database,
        () => this.running.size,
        () => options.clock.now(),
      );
  }

  register(kind: string, handler: TaskHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  /** What a due schedule of this vendor type enqueues. */
  onSchedule(vendorType: string, handler: ScheduleHandler): void {
    if (this.scheduleHandlers.has(vendorType)) throw new Error(`a schedule handler for ${vendorType} is already registered`);
    this.scheduleHandlers.set(vendorType, handler);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Looks for work now (called after enqueueing, so a task need not wait for the next poll). */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.wokenWhilePolling = true;
      return;
    }
    this.polling = true;
    this.wokenWhilePolling = false;
    void this.poll()
      .catch((err: unknown) => this.options.log?.error({ err }, 'job poll failed'))
      .finally(() => {
        this.polling = false;
        // A task that finished (or was enqueued) during the poll frees a slot the poll did not see: look again now, not at the next tick.
        if (this.wokenWhilePolling) this.wake();
      });
  }

  /** Stops taking work and waits for running tasks, which are told to stop. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.polling) await sleep(10);
    for (const controller of this.running.values()) controller.abort(SHUTDOWN);
    while (this.running.size > 0) await sleep(20);
    await this.options.database.db
      .deleteFrom('worker_pools')
      .where('id', '=', this.owner)
      .execute()
      .catch(() => undefined);
  }

  private async poll(): Promise<void> {
    const { database, clock } = this.options;
    await this.heartbeat();
    await fireDueSchedules(database, clock.now(), this.scheduleHandlers);
    await this.failAbandoned();
    await this.renewLeases();
    if (this.running.size >= this.options.concurrency) return;
    const paused = await pausedKinds(database.db);
    const kinds = [...this.handlers.keys()].filter((kind) => !paused.has(kind));
    while (!this.stopped && this.running.size < this.options.concurrency) {
      const task = await claimTask(database, kinds, this.owner, this.leaseMs, clock.now());
      if (!task) break;
      const controller = new AbortController();
      this.running.set(task.id, controller);
      void this.run(task, controller)
        // The database failing around the handler (PostgreSQL restarting): the task's lease runs
        // out and a worker takes it again. Unheard, the rejection would end the process.
        .catch((err: unknown) => this.options.log?.error({ err, task: task.id, kind: task.kind }, 'job task could not be run or recorded'))
        .finally(() => {
          this.running.delete(task.id);
          this.wake();
        });
    }
  }

  private async run(task: Task, controller: AbortController): Promise<void> {
    const { database, clock } = this.options;
    const db = database.db;
    const execution = await findExecution(db, task.execution_id);
    await db.transaction().execute((trx) => refreshExecution(trx, task.execution_id, clock.now()));
    const handler = this.handlers.get(task.kind);
    if (!execution || !handler) return;
    this.metrics?.started(task, clock.now());
    const began = performance.now();
    const context: TaskContext = {
      task,
      execution,
      params: JSON.parse(task.params) as Record<string, unknown>,
      signal: controller.signal,
      log: async (line) => {
        await db.insertInto('task_logs').values({ task_id: task.id, created_at: clock.now(), line }).execute();
      },
      checkpoint: parseCheckpoint(task.checkpoint),
      saveCheckpoint: async (value) => {
        await db
          .updateTable('tasks')
          .set({ checkpoint: JSON.stringify(value), update_time: clock.now() })
          .where('id', '=', task.id)
          .where('lease_owner', '=', this.owner)
          .execute();
      },
    };
    let outcome: { status: 'Success' | 'Error' | 'Stopped' | 'Pending'; message: string; extra?: Record<string, unknown> };
    // Interrupted by this process shutting down: the task goes back to the queue, uncounted.
    const released = () => controller.signal.reason === SHUTDOWN;
    try {
      const extra = await handler(context);
      outcome = released()
        ? { status: 'Pending', message: 'interrupted by a restart' }
        : controller.signal.aborted
          ? { status: 'Stopped', message: 'stopped' }
          : { status: 'Success', message: '', extra: extra ?? undefined };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (released()) outcome = { status: 'Pending', message: 'interrupted by a restart' };
      else if (controller.signal.aborted) outcome = { status: 'Stopped', message: 'stopped' };
      else if (task.attempts < task.max_attempts && !(err instanceof FinalTaskError)) outcome = { status: 'Pending', message };
      else outcome = { status: 'Error', message };
      const retried = err instanceof FinalTaskError ? '; not retried' : '';
      if (!released()) await context.log(`attempt ${task.attempts} of ${task.max_attempts} failed: ${message}${retried}`).catch(() => undefined);
    }
    this.metrics?.finished(task, outcomeLabel(outcome.status, released()), (performance.now() - began) / 1000);
    const now = clock.now();
    await db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('tasks').select(['extra_attrs', 'lease_owner']).where('id', '=', task.id).executeTakeFirst();
      // Another worker took the task over (this one lost its lease); its outcome counts.
      if (!current || current.lease_owner !== this.owner) return;
      const extra = outcome.extra ? JSON.stringify({ ...(JSON.parse(current.extra_attrs) as object), ...outcome.extra }) : current.extra_attrs;
      await trx
        .updateTable('tasks')
        .set({
          status: outcome.status,
          status_message: outcome.message,
          extra_attrs: extra,
          ...(outcome.status === 'Pending' ? {} : { checkpoint: null }),
          lease_owner: null,
          lease_expires_at: null,
          update_time: now,
          end_time: outcome.status === 'Pending' ? null : now,
          run_after: outcome.status === 'Pending' && !released() ? now + backoffMs(task.attempts) : outcome.status === 'Pending' ? now : task.run_after,
          attempts: released() ? task.attempts - 1 : task.attempts,
        })
        .where('id', '=', task.id)
        .execute();
      await refreshExecution(trx, task.execution_id, now);
    });
  }

  private startedAt = 0;
  private lastHeartbeat = 0;

  /** Keeps this instance's row in worker_pools fresh (at most every 5 s), for the monitoring API. */
  private async heartbeat(): Promise<void> {
    const { database, clock } = this.options;
    const now = clock.now();
    if (now - this.lastHeartbeat < 5000) return;
    this.lastHeartbeat = now;
    if (this.startedAt === 0) this.startedAt = now;
    await database.db
      .insertInto('worker_pools')
      .values({ id: this.owner, host: hostname(), pid: process.pid, concurrency: this.options.concurrency, start_at: this.startedAt, heartbeat_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
      .execute();
    // Instances silent for a day are gone; their rows are only noise.
    await database.db
      .deleteFrom('worker_pools')
      .where('heartbeat_at', '<', now - 24 * 3600_000)
      .execute();
  }

  /** Keeps this instance's leases alive and passes on stop requests. */
  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    const { database, clock } = this.options;
    const ids = [...this.running.keys()];
    await database.db
      .updateTable('tasks')
      .set({ lease_expires_at: clock.now() + this.leaseMs })
      .where('id', 'in', ids)
      .where('lease_owner', '=', this.owner)
      .execute();
    const stopping = await database.db.selectFrom('tasks').select('id').where('id', 'in', ids).where('stop_requested', '=', 1).execute();
    for (const { id } of stopping) this.running.get(id)?.abort();
  }

  /** Tasks whose workers died more often than allowed end in Error instead of running forever. */
  private async failAbandoned(): Promise<void> {
    const { database, clock } = this.options;
    const now = clock.now();
    const abandoned = await database.db
      .selectFrom('tasks')
      .select(['id', 'execution_id'])
      .where('status', '=', 'Running')
      .where('lease_expires_at', '<', now)
      .where((eb) => eb('attempts', '>=', eb('max_attempts', '+', CRASH_ALLOWANCE)))
      .limit(100)
      .execute();
    for (const task of abandoned) {
      await database.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tasks')
          .set({
            status: 'Error',
            status_message: 'the worker running this task stopped responding too often',
            end_time: now,
            update_time: now,
            lease_owner: null,
            checkpoint: null,
          })
          .where('id', '=', task.id)
          .where('status', '=', 'Running')
          .execute();
        await refreshExecution(trx, task.execution_id, now);
      });
    }
  }

  /** Tasks running on this instance now. */
  get busy(): number {
    return this.running.size;
  }
}

const SHUTDOWN = Symbol('shutdown');

function outcomeLabel(status: 'Success' | 'Error' | 'Stopped' | 'Pending', released: boolean): TaskOutcome {
  if (status === 'Pending') return released ? 'interrupted' : 'retried';
  return status === 'Success' ? 'success' : status === 'Error' ? 'error' : 'stopped';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A stored checkpoint; one that does not parse as an object is as good as none. */
function parseCheckpoint(stored: string | null): Record<string, unknown> | undefined {
  if (stored === null) return undefined;
  try {
    const value: unknown = JSON.parse(stored);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
