import { sql, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { QueryCondition } from '../http/index.js';
import { containsIgnoringCase } from './like.js';

/**
 * A list's `q` conditions as WHERE clauses, so counting and paging see the same filtered rows.
 * Columns come from each list's own key table, never from the request; values are bound parameters.
 */
export function whereMatches<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  conditions: readonly QueryCondition[],
): SelectQueryBuilder<DB, TB, O> {
  return conditions.reduce((q, condition) => q.where(conditionSql(condition)), query);
}

function conditionSql(condition: QueryCondition): RawBuilder<SqlBool> {
  const column = sql.ref(condition.column);
  switch (condition.kind) {
    case 'in':
      // `k=(a b)` over a one-value column can match nothing.
      if (condition.values.length === 0) return sql<SqlBool>`1 = 0`;
      return sql<SqlBool>`${column} in (${sql.join(condition.values)})`;
    case 'contains':
      return containsIgnoringCase(column, condition.text);
    case 'between': {
      const parts = [
        ...(condition.from === undefined ? [] : [sql<SqlBool>`${column} >= ${condition.from}`]),
        ...(condition.until === undefined ? [] : [sql<SqlBool>`${column} < ${condition.until}`]),
      ];
      return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
    }
  }
}
