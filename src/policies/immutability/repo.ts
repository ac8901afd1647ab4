import type { Executor, ImmutableRuleRow } from '../../platform/db/index.js';
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

export async function rulesOf(db: Executor, projectId: number): Promise<ImmutableRule[]> {
  return (await listRuleRows(db, projectId)).map(toRule);
}

export function findRuleRow(db: Executor, projectId: number, id: number): Promise<ImmutableRuleRow | undefined> {
  return db.selectFrom('immutable_rules').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
}
