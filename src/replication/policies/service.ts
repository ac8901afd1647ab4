import { recordAudit } from '../../audit/index.js';
import type { Clock } from '../../platform/clock.js';
import { isUniqueViolation, whereMatches, type Database, type Executor, type ReplicationPolicyRow } from '../../platform/db/index.js';
import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../../platform/errors/index.js';
import type { QueryCondition, SortField } from '../../platform/http/index.js';
import { CronError, removeSchedule, setSchedule } from '../../platform/jobs/index.js';
import { policyOf, type PolicyBody } from './schema.js';

/** Executions, schedules and the audit log name replication runs by this vendor type (Harbor's). */
export const REPLICATION_VENDOR = 'REPLICATION';

/** The policy's run that has not finished yet, if any. */
export function activeRun(trx: Executor, policyId: number): Promise<{ id: number } | undefined> {
  return trx
    .selectFrom('executions')
    .select('id')
    .where('vendor_type', '=', REPLICATION_VENDOR)
    .where('vendor_id', '=', policyId)
    .where('status', 'in', ['Pending', 'Running'])
    .executeTakeFirst();
}

export type PolicyColumn = 'id' | 'name' | 'created_at' | 'updated_at';

export interface PolicyActor {
  username: string;
  clientIp: string | null;
}

const registryIdOf = (ref: PolicyBody['src_registry']): number | null => (ref && ref.id > 0 ? ref.id : null);

/** Replication policies: their rules (one side remote, the other this Berth) and their cron schedules. */
export class PolicyService {
  constructor(private readonly deps: { database: Database; clock: Clock }) {}

  private get db(): Executor {
    return this.deps.database.db;
  }

  async get(id: number): Promise<ReplicationPolicyRow> {
    const row = await this.db.selectFrom('replication_policies').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('policy', `replication policy ${id} not found`);
    return row;
  }

  async list(conditions: readonly QueryCondition[], sort: readonly SortField<PolicyColumn>[], offset: number, limit: number) {
    const filtered = whereMatches(this.db.selectFrom('replication_policies'), conditions);
    let page = filtered.selectAll();
    for (const field of sort) page = page.orderBy(field.column, field.descending ? 'desc' : 'asc');
    const [count, rows] = await Promise.all([
      filtered.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      page.orderBy('id').offset(offset).limit(limit).execute(),
    ]);
    return { total: Number(count.n), rows };
  }

  async create(body: PolicyBody, actor: PolicyActor): Promise<ReplicationPolicyRow> {
    const now = this.deps.clock.now();
    const values = await this.columns(body);
    try {
      return await this.deps.database.db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('replication_policies')
          .values({ ...values, created_by: actor.username, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.schedule(trx, row, now);
        await this.audit(trx, 'create', row.name, actor, now);
        return row;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('policy', `a replication policy named ${body.name} already exists`);
      throw error;
    }
  }

  async update(id: number, body: PolicyBody, actor: PolicyActor): Promise<void> {
    await this.get(id);
    const now = this.deps.clock.now();
    const values = await this.columns(body);
    try {
      await this.deps.database.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('replication_policies')
          .set({ ...values, updated_at: now })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.schedule(trx, row, now);
        await this.audit(trx, 'update', row.name, actor, now);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('policy', `a replication policy named ${body.name} already exists`);
      throw error;
    }
  }

  /** Deletes a policy that is not running (Harbor answers 412 while it runs). */
  async delete(id: number, actor: PolicyActor): Promise<void> {
    const row = await this.get(id);
    const now = this.deps.clock.now();
    await this.deps.database.db.transaction().execute(async (trx) => {
      const running = await activeRun(trx, id);
      if (running) throw new PreconditionFailedError('policy', `replication policy ${row.name} is running (execution ${running.id}); stop it first`);
      await removeSchedule(trx, REPLICATION_VENDOR, id);
      await trx.deleteFrom('replication_policies').where('id', '=', id).execute();
      await this.audit(trx, 'delete', row.name, actor, now);
    });
  }

  /** The columns a body sets, its registries checked: exactly one side is a registry endpoint. */
  private async columns(body: PolicyBody) {
    const src = registryIdOf(body.src_registry);
    const dest = registryIdOf(body.dest_registry);
    if ((src === null) === (dest === null))
      throw new InvalidInputError('policy', 'set either src_registry (pull from a remote registry) or dest_registry (push to one): the other side is this registry');
    const remote = (src ?? dest)!;
    const exists = await this.db.selectFrom('registries').select('id').where('id', '=', remote).executeTakeFirst();
    if (!exists) throw new InvalidInputError('policy', `registry ${remote} not found`);
    const trigger = body.trigger?.type ?? 'manual';
    const cron = trigger === 'scheduled' ? (body.trigger?.trigger_settings?.cron ?? '').trim() : '';
    if (trigger === 'scheduled' && cron === '') throw new InvalidInputError('policy', 'a scheduled trigger needs trigger_settings.cron');
    return {
      name: body.name,
      description: body.description ?? '',
      src_registry_id: src,
      dest_registry_id: dest,
      dest_namespace: body.dest_namespace ?? '',
      dest_namespace_replace_count: body.dest_namespace_replace_count ?? -1,
      trigger_type: trigger,
      trigger_cron: cron,
      filters: JSON.stringify(body.filters ?? []),
      replicate_deletion: (body.replicate_deletion ?? body.deletion ?? false) ? 1 : 0,
      override: (body.override ?? true) ? 1 : 0,
      enabled: (body.enabled ?? true) ? 1 : 0,
      speed: Math.max(0, body.speed ?? 0),
      copy_by_chunk: body.copy_by_chunk ? 1 : 0,
      single_active_replication: body.single_active_replication ? 1 : 0,
    };
  }

  private async schedule(trx: Executor, row: ReplicationPolicyRow, now: number): Promise<void> {
    const policy = policyOf(row);
    if (policy.triggerType !== 'scheduled' || !policy.enabled) {
      await removeSchedule(trx, REPLICATION_VENDOR, policy.id);
      return;
    }
    try {
      await setSchedule(trx, { vendorType: REPLICATION_VENDOR, vendorId: policy.id, cron: policy.cron }, now);
    } catch (error) {
      if (error instanceof CronError) throw new InvalidInputError('policy', error.message);
      throw error;
    }
  }

  private audit(trx: Executor, operation: 'create' | 'update' | 'delete', name: string, actor: PolicyActor, at: number) {
    return recordAudit(trx, { projectId: 0, operation, resourceType: 'replication_policy', resource: name, username: actor.username, clientIp: actor.clientIp, at });
  }
}
