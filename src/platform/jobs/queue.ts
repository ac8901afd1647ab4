import { sql } from 'kysely';
import { forUpdateSkipLockedClause, whereMatches, type Database, type Execution, type Executor, type JobStatus, type Task } from '../db/index.js';
import { recordEvent } from '../events/index.js';
import type { QueryCondition, QueryFields } from '../http/index.js';

export type Trigger = 'MANUAL' | 'SCHEDULE' | 'EVENT';

export interface TaskSpec {
  kind: string;
  params?: Record<string, unknown>;
  /** Runs after a failure, with backoff, until this many attempts were made. */
  maxAttempts?: number;
  /** Not before this time (epoch ms); default now. */
  runAfter?: number;
}

export interface ExecutionSpec {
  vendorType: string;
  vendorId?: number;
  trigger: Trigger;
  extraAttrs?: Record<string, unknown>;
  tasks: readonly TaskSpec[];
  /**
   * An outbox event type written, with the execution's id, in the transaction that gives the
   * execution its final status: what a feature reports about a finished run (webhooks).
   */
  endEvent?: string;
}

export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['Stopped', 'Error', 'Success']);

/**
 * Creates an execution and its tasks in the caller's transaction, so the work exists exactly
 * when the change that asked for it commits.
 */
export async function enqueue(trx: Executor, spec: ExecutionSpec, now: number): Promise<number> {
  const execution = await trx
    .insertInto('executions')
    .values({
      vendor_type: spec.vendorType,
      vendor_id: spec.vendorId ?? -1,
      status: spec.tasks.length === 0 ? 'Success' : 'Pending',
      trigger: spec.trigger,
      extra_attrs: JSON.stringify(spec.extraAttrs ?? {}),
      start_time: now,
      end_time: spec.tasks.length === 0 ? now : null,
      update_time: now,
      end_event: spec.endEvent ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await appendTasks(trx, execution.id, spec.tasks, now);
  return execution.id;
}

/** Adds tasks to a running execution (work a planning task found), in the caller's transaction. */
export async function appendTasks(trx: Executor, executionId: number, tasks: readonly TaskSpec[], now: number): Promise<void> {
  if (tasks.length === 0) return;
  await trx
    .insertInto('tasks')
    .values(
      tasks.map((t) => ({
        execution_id: executionId,
        kind: t.kind,
        params: JSON.stringify(t.params ?? {}),
        status: 'Pending' as const,
        max_attempts: t.maxAttempts ?? 1,
        run_after: t.runAfter ?? now,
        created_at: now,
        update_time: now,
      })),
    )
    .execute();
}

/** The execution's status from its tasks: running while any is unfinished, else the worst outcome. */
export async function refreshExecution(db: Executor, executionId: number, now: number): Promise<JobStatus> {
  // The execution's row is locked before its tasks are read: two tasks finishing at once
  // would otherwise each see the other still running, and the execution would never end.
  await db.updateTable('executions').set({ update_time: now }).where('id', '=', executionId).execute();
  const rows = await db.selectFrom('tasks').select(['status']).where('execution_id', '=', executionId).execute();
  const statuses = new Set(rows.map((r) => r.status));
  const unfinished = statuses.has('Pending') || statuses.has('Running');
  const status: JobStatus = unfinished
    ? statuses.has('Running') || [...statuses].some((s) => FINAL_STATUSES.has(s))
      ? 'Running'
      : 'Pending'
    : statuses.has('Error')
      ? 'Error'
      : statuses.has('Stopped')
        ? 'Stopped'
        : 'Success';
  const changed = await db
    .updateTable('executions')
    .set({ status, update_time: now, end_time: unfinished ? null : now })
    .where('id', '=', executionId)
    .where('status', '!=', status)
    .executeTakeFirst();
  // Only the update that ends the execution announces it: the row lock above makes that one update.
  if (!unfinished && Number(changed.numUpdatedRows) > 0) await announceEnd(db, executionId, now);
  return status;
}

async function announceEnd(db: Executor, executionId: number, now: number): Promise<void> {
  const row = await db.selectFrom('executions').select(['end_event', 'trigger']).where('id', '=', executionId).executeTakeFirst();
  if (!row?.end_event) return;
  await recordEvent(db, { type: row.end_event, projectId: null, repository: null, executionId, operator: row.trigger, at: now });
}

/** Stops an execution: pending tasks never start, running ones are told to stop. */
export function stopExecution(database: Database, executionId: number, now: number): Promise<void> {
  return stopTasks(database, executionId, 'execution_id', executionId, now);
}

/** Stops one task (Harbor's "stop job"): pending, it never starts; running, it is told to stop. */
export function stopTask(database: Database, task: Task, now: number): Promise<void> {
  return stopTasks(database, task.execution_id, 'id', task.id, now);
}

async function stopTasks(database: Database, executionId: number, column: 'execution_id' | 'id', value: number, now: number): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('tasks')
      .set({ status: 'Stopped', end_time: now, update_time: now, status_message: 'stopped' })
      .where(column, '=', value)
      .where('status', '=', 'Pending')
      .execute();
    await trx.updateTable('tasks').set({ stop_requested: 1, update_time: now }).where(column, '=', value).where('status', '=', 'Running').execute();
    await refreshExecution(trx, executionId, now);
  });
}

export function findExecution(db: Executor, id: number): Promise<Execution | undefined> {
  return db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
}

export function tasksOf(db: Executor, executionId: number): Promise<Task[]> {
  return db.selectFrom('tasks').selectAll().where('execution_id', '=', executionId).orderBy('id').execute();
}

export function findTask(db: Executor, id: number): Promise<Task | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A task's log as Harbor prints job logs: one timestamped line per entry. */
export async function taskLog(db: Executor, taskId: number): Promise<string> {
  const lines = await db.selectFrom('task_logs').select(['created_at', 'line']).where('task_id', '=', taskId).orderBy('id').execute();
  return lines.map((l) => `${new Date(l.created_at).toISOString()} [INFO] ${l.line}\n`).join('');
}

/** The log of every task of an execution, in order. */
export async function executionLog(db: Executor, executionId: number): Promise<string> {
  const tasks = await tasksOf(db, executionId);
  let out = '';
  for (const task of tasks) out += await taskLog(db, task.id);
  return out;
}

/** `q` keys every list of executions takes (Harbor's execution columns). */
export const EXECUTION_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  status: { column: 'status', kind: 'text' },
  trigger: { column: 'trigger', kind: 'text' },
  start_time: { column: 'start_time', kind: 'time' },
  end_time: { column: 'end_time', kind: 'time' },
  update_time: { column: 'update_time', kind: 'time' },
};

/** `q` keys every list of tasks takes. */
export const TASK_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  status: { column: 'status', kind: 'text' },
  creation_time: { column: 'created_at', kind: 'time' },
  start_time: { column: 'start_time', kind: 'time' },
  end_time: { column: 'end_time', kind: 'time' },
  update_time: { column: 'update_time', kind: 'time' },
};

/** Executions of one vendor (a policy, or GC as a whole) matching `q`, newest first, with a total for paging. */
export async function listExecutions(
  db: Executor,
  vendorType: string,
  vendorId: number | undefined,
  offset: number,
  limit: number,
  conditions: readonly QueryCondition[] = [],
): Promise<{ total: number; executions: Execution[] }> {
  let rows = db.selectFrom('executions').where('vendor_type', '=', vendorType);
  if (vendorId !== undefined) rows = rows.where('vendor_id', '=', vendorId);
  rows = whereMatches(rows, conditions);
  const [row, executions] = await Promise.all([
    rows.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    rows.selectAll().orderBy('id', 'desc').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(row.n), executions };
}

/** One page of an execution's tasks matching `q`, in id order, with a total for paging. */
export async function listTasks(
  db: Executor,
  executionId: number,
  offset: number,
  limit: number,
  conditions: readonly QueryCondition[] = [],
): Promise<{ total: number; tasks: Task[] }> {
  const rows = whereMatches(db.selectFrom('tasks').where('execution_id', '=', executionId), conditions);
  const [row, tasks] = await Promise.all([
    rows.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    rows.selectAll().orderBy('id').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(row.n), tasks };
}

export async function mergeExtraAttrs(db: Executor, table: 'executions' | 'tasks', id: number, attrs: Record<string, unknown>, now: number): Promise<void> {
  const row = await db.selectFrom(table).select('extra_attrs').where('id', '=', id).executeTakeFirst();
  if (!row) return;
  const merged = { ...(JSON.parse(row.extra_attrs) as Record<string, unknown>), ...attrs };
  await db
    .updateTable(table)
    .set({ extra_attrs: JSON.stringify(merged), update_time: now })
    .where('id', '=', id)
    .execute();
}

/**
 * Claims the next runnable task of the given kinds: a pending one that is due, or a running
 * one whose worker stopped renewing its lease (a crashed process). On PostgreSQL, SKIP LOCKED
 * lets many workers on many instances claim at once without waiting on each other.
 */
export async function claimTask(database: Database, kinds: readonly string[], owner: string, leaseMs: number, now: number): Promise<Task | undefined> {
  if (kinds.length === 0) return undefined;
  const lock = forUpdateSkipLockedClause(database.dialect);
  const result = await sql<Task>`
    update tasks set status = 'Running', lease_owner = ${owner}, lease_expires_at = ${now + leaseMs},
      attempts = attempts + 1, start_time = coalesce(start_time, ${now}), update_time = ${now}
    where id = (
      select id from tasks
      where kind in (${sql.join(kinds)})
        and ((status = 'Pending' and run_after <= ${now})
          or (status = 'Running' and lease_expires_at < ${now} and attempts < max_attempts + ${CRASH_ALLOWANCE}))
      order by run_after, id
      limit 1
      ${lock}
    )
    returning *
  `.execute(database.db);
  return result.rows[0];
}

/** Extra runs a task gets when the process running it died, beyond its failure attempts. */
export const CRASH_ALLOWANCE = 3;
