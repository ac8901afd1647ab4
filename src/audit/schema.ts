import { parseQuery, type QueryTerm } from '../api/index.js';
import type { AuditLog } from '../platform/db/index.js';
import { InvalidInputError } from '../platform/errors/index.js';
import { parseTime, unquote } from '../platform/http/index.js';
import type { AuditLogJson } from './shapes.js';

export type { AuditLogJson } from './shapes.js';

export function toAuditLogJson(row: AuditLog): AuditLogJson {
  return {
    id: row.id,
    username: row.username,
    resource: row.resource,
    resource_type: row.resource_type,
    operation: row.operation,
    op_time: new Date(row.op_time).toISOString(),
    client_ip: row.client_ip,
    success: row.success !== 0,
  };
}

export const TEXT_KEYS = ['operation', 'resource_type', 'resource', 'username'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];
export const AUDIT_QUERY_KEYS: readonly string[] = [...TEXT_KEYS, 'op_time'];

export type TextMatch = { kind: 'equals'; value: string } | { kind: 'contains'; value: string } | { kind: 'in'; values: string[] };

/** What the `q` parameter asks for, in column terms. `until` is exclusive. */
export interface AuditFilter {
  text: Array<{ column: TextKey; match: TextMatch }>;
  from?: number;
  until?: number;
}

export interface AuditSort {
  column: 'op_time' | 'id';
  direction: 'asc' | 'desc';
}

export function parseAuditFilter(q: unknown): AuditFilter {
  const filter: AuditFilter = { text: [] };
  for (const [key, term] of parseQueryOr400(q)) {
    if (key === 'op_time') Object.assign(filter, timeRange(term));
    else filter.text.push(...textMatches(key as TextKey, term));
  }
  return filter;
}

/** q.ts decodes values once more, as Harbor does; a stray `%` must be the caller's 400, not our 500. */
function parseQueryOr400(q: unknown): Map<string, QueryTerm> {
  try {
    return parseQuery(q, AUDIT_QUERY_KEYS);
  } catch (err) {
    if (err instanceof URIError) throw new InvalidInputError('input', 'q is not correctly percent-encoded');
    throw err;
  }
}

function textMatches(column: TextKey, term: QueryTerm): Array<{ column: TextKey; match: TextMatch }> {
  switch (term.kind) {
    case 'exact':
      return [{ column, match: { kind: 'equals', value: unquote(term.value) } }];
    case 'fuzzy':
      return [{ column, match: { kind: 'contains', value: unquote(term.value) } }];
    case 'or':
      return [{ column, match: { kind: 'in', values: term.values.map(unquote) } }];
    case 'and':
      // One column holds one value: every listed value must be it.
      return term.values.map((value) => ({ column, match: { kind: 'equals', value: unquote(value) } }));
    case 'range':
      throw new InvalidInputError('input', `${column} does not take a range; only op_time does`);
  }
}

function timeRange(term: QueryTerm): { from?: number; until?: number } {
  if (term.kind === 'exact') {
    const at = parseTime(unquote(term.value), 'op_time');
    return { from: at.start, until: at.end };
  }
  if (term.kind !== 'range') {
    throw new InvalidInputError('input', 'op_time takes a range: op_time=[2026-01-01 00:00:00~2026-12-31 23:59:59]');
  }
  const from = term.min === undefined ? undefined : parseTime(unquote(term.min), 'op_time').start;
  const until = term.max === undefined ? undefined : parseTime(unquote(term.max), 'op_time').end;
  if (from !== undefined && until !== undefined && from >= until) {
    throw new InvalidInputError('input', 'op_time range ends before it starts');
  }
  return { from, until };
}

const SORT_COLUMNS = ['op_time', 'id'] as const;

/** Harbor's `sort=field1,-field2`; newest first by default. */
export function parseAuditSort(sort: unknown): AuditSort[] {
  if (sort === undefined || sort === '') return [{ column: 'op_time', direction: 'desc' }];
  if (typeof sort !== 'string') throw new InvalidInputError('input', 'sort must be a string');
  const keys: AuditSort[] = [];
  for (const part of sort
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const direction = part.startsWith('-') ? 'desc' : 'asc';
    const column = part.replace(/^[-+]/, '');
    if (!isSortColumn(column)) throw new InvalidInputError('input', `cannot sort by "${column}"; supported: ${SORT_COLUMNS.join(', ')}`);
    keys.push({ column, direction });
  }
  return keys.length > 0 ? keys : [{ column: 'op_time', direction: 'desc' }];
}

function isSortColumn(column: string): column is AuditSort['column'] {
  return (SORT_COLUMNS as readonly string[]).includes(column);
}
