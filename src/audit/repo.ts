import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Paging } from '../api/index.js';
import { containsIgnoringCase, inIdList, type AuditLog, type Database, type Executor, type Tables } from '../platform/db/index.js';
import type { AuditFilter, AuditSort, TextMatch } from './schema.js';

/** Which rows a caller may read: all of them, or those of some projects (never project-less rows). */
export type AuditScope = { kind: 'everything' } | { kind: 'projects'; projectIds: readonly number[] };

type Where = ExpressionBuilder<Tables, 'audit_logs'>;

export async function listAuditLogs(
  database: Database,
  scope: AuditScope,
  filter: AuditFilter,
  sort: readonly AuditSort[],
  paging: Paging,
): Promise<{ total: number; rows: AuditLog[] }> {
  if (scope.kind === 'projects' && scope.projectIds.length === 0) return { total: 0, rows: [] };
  const where = (eb: Where) => eb.and(conditions(eb, database, scope, filter));
  const counted = await database.db
    .selectFrom('audit_logs')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  const total = Number(counted.total);
  if (paging.offset >= total) return { total, rows: [] };
  let query = database.db.selectFrom('audit_logs').selectAll().where(where);
  for (const key of sort) query = query.orderBy(key.column, key.direction);
  // Rows written in the same millisecond keep one order from page to page.
  if (!sort.some((key) => key.column === 'id')) query = query.orderBy('id', sort[0]?.direction ?? 'desc');
  const rows = await query.limit(paging.pageSize).offset(paging.offset).execute();
  return { total, rows };
}

function conditions(eb: Where, database: Database, scope: AuditScope, filter: AuditFilter): Expression<SqlBool>[] {
  const all: Expression<SqlBool>[] = [];
  if (scope.kind === 'projects') all.push(inProjects(eb, database, scope.projectIds));
  if (filter.from !== undefined) all.push(eb('op_time', '>=', filter.from));
  if (filter.until !== undefined) all.push(eb('op_time', '<', filter.until));
  for (const { column, match } of filter.text) all.push(textCondition(eb, column, match));
  return all;
}

/**
 * One project (a project's logs, most project admins) is plain equality: both engines then
 * walk the (project_id, op_time) index newest first. Several projects travel as
 * ONE parameter (a JSON text or an array), not one per id: the SQL text stays the same for
 * every caller (SQLite's statement cache) and no list exceeds the drivers' parameter limits.
 */
function inProjects(eb: Where, database: Database, ids: readonly number[]): Expression<SqlBool> {
  if (ids.length === 1) return eb('project_id', '=', ids[0]!);
  return inIdList(eb.ref('project_id'), ids, database.dialect);
}

function textCondition(eb: Where, column: 'operation' | 'resource_type' | 'resource' | 'username', match: TextMatch): Expression<SqlBool> {
  switch (match.kind) {
    case 'equals':
      return eb(column, '=', match.value);
    case 'in':
      return match.values.length === 0 ? sql<SqlBool>`1 = 0` : eb(column, 'in', match.values);
    case 'contains':
      // Case-insensitive, as Harbor's fuzzy match.
      return containsIgnoringCase(eb.ref(column), match.value);
  }
}

/** Deletes up to `limit` rows older than `cutoff`; answers how many went. */
export async function deleteAuditLogsBefore(db: Executor, cutoff: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_logs')
    .where('id', 'in', (eb) => eb.selectFrom('audit_logs').select('id').where('op_time', '<', cutoff).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Audit rows of the named event types: `create` (an operation) or `create_artifact`
 * (operation and resource type, as Harbor's include_event_types spells them).
 */
function ofEventTypes(eb: ExpressionBuilder<Tables, 'audit_logs'>, eventTypes: readonly string[]): Expression<SqlBool> {
  return eb.or(
    eventTypes.map((type) => {
      const split = type.indexOf('_');
      if (split < 0) return eb('operation', '=', type);
      return eb.and([eb('operation', '=', type.slice(0, split)), eb('resource_type', '=', type.slice(split + 1))]);
    }),
  );
}

/** Deletes up to `limit` rows of these event types older than `cutoff`; answers how many went. */
export async function deleteAuditLogsOfTypesBefore(db: Executor, cutoff: number, eventTypes: readonly string[], limit: number): Promise<number> {
  if (eventTypes.length === 0) return 0;
  const result = await db
    .deleteFrom('audit_logs')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('audit_logs')
        .select('id')
        .where('op_time', '<', cutoff)
        .where((inner) => ofEventTypes(inner, eventTypes))
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countAuditLogsOfTypesBefore(db: Executor, cutoff: number, eventTypes: readonly string[]): Promise<number> {
  if (eventTypes.length === 0) return 0;
  const row = await db
    .selectFrom('audit_logs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('op_time', '<', cutoff)
    .where((eb) => ofEventTypes(eb, eventTypes))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
