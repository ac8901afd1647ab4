import { whereMatches, type Executor } from '../platform/db/index.js';
import type { QueryCondition } from '../platform/http/index.js';
import { toPolicy, type TaskCounts, type WebhookPolicy, type WebhookPolicyBody } from './schema.js';

/** A project's webhook policies matching `q`, in id order, with a total for paging. */
export async function listPolicies(
  db: Executor,
  projectId: number,
  conditions: readonly QueryCondition[],
  offset: number,
  limit: number,
): Promise<{ total: number; policies: WebhookPolicy[] }> {
  const rows = whereMatches(db.selectFrom('webhook_policies').where('project_id', '=', projectId), conditions);
  const [count, page] = await Promise.all([
    rows.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    rows.selectAll().orderBy('id').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(count.n), policies: page.map(toPolicy) };
}

export async function findPolicy(db: Executor, projectId: number, id: number): Promise<WebhookPolicy | undefined> {
  const row = await db.selectFrom('webhook_policies').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return row ? toPolicy(row) : undefined;
}

export async function policyNamed(db: Executor, projectId: number, name: string): Promise<number | undefined> {
  const row = await db.selectFrom('webhook_policies').select('id').where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
  return row?.id;
}

export async function insertPolicy(db: Executor, projectId: number, body: WebhookPolicyBody, creator: string, now: number): Promise<number> {
  const row = await db
    .insertInto('webhook_policies')
    .values({
      project_id: projectId,
      name: body.name,
      description: body.description ?? '',
      targets: JSON.stringify(body.targets),
      event_types: JSON.stringify(body.event_types),
      creator,
      enabled: body.enabled === false ? 0 : 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updatePolicy(db: Executor, id: number, body: WebhookPolicyBody, now: number): Promise<void> {
  await db
    .updateTable('webhook_policies')
    .set({
      name: body.name,
      description: body.description ?? '',
      targets: JSON.stringify(body.targets),
      event_types: JSON.stringify(body.event_types),
      enabled: body.enabled === false ? 0 : 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function deletePolicy(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('webhook_policies').where('id', '=', id).execute();
}

/** The enabled policies of these projects, for the outbox consumer. */
export async function enabledPoliciesOf(db: Executor, projectIds: readonly number[]): Promise<WebhookPolicy[]> {
  if (projectIds.length === 0) return [];
  const rows = await db
    .selectFrom('webhook_policies')
    .selectAll()
    .where('project_id', 'in', [...projectIds])
    .where('enabled', '=', 1)
    .orderBy('id')
    .execute();
  return rows.map(toPolicy);
}

/** Task counts of each execution, by status. */
export async function taskCounts(db: Executor, executionIds: readonly number[]): Promise<Map<number, TaskCounts>> {
  const out = new Map<number, TaskCounts>();
  if (executionIds.length === 0) return out;
  const rows = await db
    .selectFrom('tasks')
    .select(['execution_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('execution_id', 'in', [...executionIds])
    .groupBy(['execution_id', 'status'])
    .execute();
  for (const row of rows) {
    const counts = out.get(row.execution_id) ?? { total: 0, byStatus: {} };
    counts.total += Number(row.n);
    counts.byStatus[row.status] = (counts.byStatus[row.status] ?? 0) + Number(row.n);
    out.set(row.execution_id, counts);
  }
  return out;
}

/** When a policy last sent an event of this type (epoch ms), if ever. */
export async function lastTriggered(db: Executor, policyId: number, eventType: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.max('start_time').as('at'))
    .where('vendor_type', '=', 'WEBHOOK')
    .where('vendor_id', '=', policyId)
    .where('extra_attrs', 'like', `%"event_type":"${eventType}"%`)
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
}
