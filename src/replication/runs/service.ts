import type { Clock } from '../../platform/clock.js';
import type { Database, Execution, JobStatus, Task } from '../../platform/db/index.js';
import { NotFoundError, PreconditionFailedError } from '../../platform/errors/index.js';
import { findExecution, stopExecution, taskLog, type Trigger } from '../../platform/jobs/index.js';
import type { ReplicationPolicy } from '../policies/schema.js';
import { REPLICATION_VENDOR } from '../policies/service.js';
import { registryJson } from '../schema.js';
import { COPY_TASK, DELETE_TASK, PLAN_TASK, startReplication } from './start.js';

/** A replication run: the execution, its copy tasks, and why planning failed when it did. */
export interface Run {
  readonly execution: Execution;
  readonly copies: readonly Task[];
  readonly planFailure: string | undefined;
}

export interface RunFilter {
  policyId?: number;
  statuses?: readonly JobStatus[];
  trigger?: Trigger;
}

/** Reads and starts replication runs, and the registries policies name. */
export class RunService {
  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  private get db() {
    return this.deps.database.db;
  }

  /** Harbor's Registry JSON of each endpoint a page of policies names. */
  async registriesById(ids: readonly (number | null)[]): Promise<Map<number, ReturnType<typeof registryJson>>> {
    const wanted = ids.filter((id): id is number => id !== null);
    const rows = wanted.length === 0 ? [] : await this.db.selectFrom('registries').selectAll().where('id', 'in', wanted).execute();
    return new Map(rows.map((row) => [Number(row.id), registryJson(row)]));
  }

  async start(policy: ReplicationPolicy, trigger: Trigger): Promise<number> {
    if (!policy.enabled) throw new PreconditionFailedError('policy', `replication policy ${policy.name} is disabled`);
    return this.db.transaction().execute((trx) => startReplication(trx, policy, trigger, this.deps.clock.now()));
  }

  async get(id: number): Promise<Run> {
    const execution = await findExecution(this.db, id);
    if (!execution || execution.vendor_type !== REPLICATION_VENDOR) throw new NotFoundError('input', `replication execution ${id} not found`);
    const tasks = await this.db.selectFrom('tasks').selectAll().where('execution_id', '=', execution.id).orderBy('id').execute();
    const planFailure = tasks.find((t) => t.kind === PLAN_TASK && t.status === 'Error')?.status_message;
    return { execution, copies: tasks.filter((t) => t.kind === COPY_TASK || t.kind === DELETE_TASK), planFailure };
  }

  async list(filter: RunFilter, offset: number, limit: number): Promise<{ total: number; runs: Run[] }> {
    let select = this.db.selectFrom('executions').where('vendor_type', '=', REPLICATION_VENDOR);
    if (filter.policyId !== undefined) select = select.where('vendor_id', '=', filter.policyId);
    if (filter.statuses) select = select.where('status', 'in', filter.statuses);
    if (filter.trigger) select = select.where('trigger', '=', filter.trigger);
    const [count, rows] = await Promise.all([
      select.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      select.select('id').orderBy('id', 'desc').offset(offset).limit(limit).execute(),
    ]);
    return { total: Number(count.n), runs: await Promise.all(rows.map((row) => this.get(Number(row.id)))) };
  }

  async stop(id: number): Promise<void> {
    const run = await this.get(id);
    await stopExecution(this.deps.database, Number(run.execution.id), this.deps.clock.now());
  }

  /** One copy task's log, when the task belongs to the run. */
  async log(id: number, taskId: number): Promise<string> {
    const run = await this.get(id);
    const task = await this.db.selectFrom('tasks').select(['id', 'execution_id']).where('id', '=', taskId).executeTakeFirst();
    if (!task || Number(task.execution_id) !== Number(run.execution.id)) throw new NotFoundError('input', `task ${taskId} not found`);
    return taskLog(this.db, taskId);
  }
}
