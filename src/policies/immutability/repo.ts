import { whereMatches, type Executor, type ImmutableRuleRow } from '../../platform/db/index.js';
import type { QueryCondition } from '../../platform/http/index.js';
import type { ImmutableRule, ScopeSelectors, TagSelector } from './rules.js';

export function toRule(row: ImmutableRuleRow): ImmutableRule {
  return {
    id: row.id,
    disabled: row.disabled === 1,
    tagSelectors: JSON.parse(row.tag_selectors) as TagSelector[],
    scopeSelectors: JSON.parse(row.scope_selectors) as ScopeSelectors,
  };
}

export function listRuleRows(db: Executor, projectId: number): Promise<ImmutableRuleRow[]> {
  return db.selectFrom('immutable_rules').selectAll().where('project_id', '=', projectId).orderBy('priority').orderBy('id').execute();
}

/** One page of a project's rules matching `q`, in the order they apply, with a total for paging. */
export async function pageOfRules(
  db: Executor,
  projectId: number,
  conditions: readonly QueryCondition[],
  offset: number,
  limit: number,
): Promise<{ total: number; rows: ImmutableRuleRow[] }> {
  const rules = whereMatches(db.selectFrom('immutable_rules').where('project_id', '=', projectId), conditions);
  const [count, rows] = await Promise.all([
    rules.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    rules.selectAll().orderBy('priority').orderBy('id').offset(offset).limit(limit).execute(),
  ]);
  return { total: Number(count.n), rows };
}

export async function rulesOf(db: Executor, projectId: number): Promise<ImmutableRule[]> {
  return (await listRuleRows(db, projectId)).map(toRule);
}

export function findRuleRow(db: Executor, projectId: number, id: number): Promise<ImmutableRuleRow | undefined> {
  return db.selectFrom('immutable_rules').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}

export async function countRules(db: Executor, projectId: number): Promise<number> {
  const count = await db
    .selectFrom('immutable_rules')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId)
    .executeTakeFirstOrThrow();
  return Number(count.n);
}

/** The columns a rule's body sets. */
export interface RuleFields {
  priority: number;
  disabled: boolean;
  tagSelectors: TagSelector[];
  scopeSelectors: ScopeSelectors;
}

export async function insertRule(db: Executor, projectId: number, fields: RuleFields, now: number): Promise<number> {
  const row = await db
    .insertInto('immutable_rules')
    .values({
      project_id: projectId,
      priority: fields.priority,
      disabled: fields.disabled ? 1 : 0,
      tag_selectors: JSON.stringify(fields.tagSelectors),
      scope_selectors: JSON.stringify(fields.scopeSelectors),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateRule(db: Executor, id: number, fields: RuleFields, now: number): Promise<void> {
  await db
    .updateTable('immutable_rules')
    .set({
      priority: fields.priority,
      disabled: fields.disabled ? 1 : 0,
      tag_selectors: JSON.stringify(fields.tagSelectors),
      scope_selectors: JSON.stringify(fields.scopeSelectors),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteRule(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('immutable_rules').where('id', '=', id).execute();
}
