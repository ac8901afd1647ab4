import { parseQuery, type QueryTerm } from '../api/index.js';
import type { AuditLog } from '../platform/db/index.js';
import { InvalidInputError } from '../platform/errors/index.js';

/** Harbor's AuditLog, plus `client_ip` and `success`. */
export interface AuditLogJson {
  id: number;
  username: string;
  resource: string;
  resource_type: string;
  operation: string;
  op_time: string;
  client_ip: string | null;
  success: boolean;
}

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
    const at = parseTime(unquote(term.value));
    return { from: at.start, until: at.end };
  }
  if (term.kind !== 'range') {
    throw new InvalidInputError('input', 'op_time takes a range: op_time=[2026-01-01 00:00:00~2026-12-31 23:59:59]');
  }
  const from = term.min === undefined ? undefined : parseTime(unquote(term.min)).start;
  const until = term.max === undefined ? undefined : parseTime(unquote(term.max)).end;
  if (from !== undefined && until !== undefined && from >= until) {
    throw new InvalidInputError('input', 'op_time range ends before it starts');
  }
  return { from, until };
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Harbor's `2006-01-02 15:04:05` (UTC, as Harbor reads it) or ISO-8601. A time names the
 * whole unit it is written in — a day, minute, second — so `[…~2026-12-31 23:59:59]`
 * includes 23:59:59.5 and `[…~2026-12-31]` includes that whole day.
 */
export function parseTime(text: string): { start: number; end: number } {
  const m = TIME.exec(text.trim());
  const invalid = () => new InvalidInputError('input', `invalid op_time "${text}": use 2006-01-02 15:04:05 or ISO-8601`);
  if (!m) throw invalid();
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)] as const;
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(...parts, ms);
  const check = new Date(local);
  // Date.UTC rolls 2026-02-30 over to March; a date that does not exist is a typo.
  if (
    check.getUTCFullYear() !== parts[0] ||
    check.getUTCMonth() !== parts[1] ||
    check.getUTCDate() !== parts[2] ||
    check.getUTCHours() !== parts[3] ||
    check.getUTCMinutes() !== parts[4] ||
    check.getUTCSeconds() !== parts[5]
  ) {
    throw invalid();
  }
  const start = local - zoneOffsetMs(zone);
  const unit = fraction !== undefined ? Math.max(1, 10 ** (3 - fraction.length)) : s !== undefined ? 1000 : h !== undefined ? 60_000 : 86_400_000;
  return { start, end: start + unit };
}

function zoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return (zone.startsWith('-') ? -1 : 1) * minutes * 60_000;
}

/** Harbor lets list and range values be quoted with " or '. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
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
