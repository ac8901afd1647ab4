import { ApiError } from '../errors/index.js';
import { anyOfValues, parseQuery, type QueryTerm } from './q.js';

/**
 * How a `q` key reads its value:
 *   text     k=v, k=~v (substring, any case), k={a b}, k=(a b)
 *   integer  k=v, k={a b}, k=(a b), k=[a~b]
 *   time     k=t (that whole second, minute or day), k=[t1~t2] (either end may be empty)
 *   boolean  k=true|false, k={true false}
 */
export type QueryFieldKind = 'text' | 'integer' | 'time' | 'boolean';

/** A `q` key a list supports: the column it filters and how its value reads. */
export interface QueryField {
  column: string;
  kind: QueryFieldKind;
}

export type QueryFields = Readonly<Record<string, QueryField>>;

/**
 * One condition of a list's filter, in column terms (the database layer turns it into SQL).
 * `between` holds `from <= column < until`; either end may be absent.
 */
export type QueryCondition =
  | { column: string; kind: 'in'; values: ReadonlyArray<string | number> }
  | { column: string; kind: 'contains'; text: string }
  | { column: string; kind: 'between'; from?: number; until?: number };

/** Harbor's `q` read against the keys a list supports; an unknown key or a form the key does not take is a 400. */
export function parseQueryConditions(q: unknown, fields: QueryFields): QueryCondition[] {
  const conditions: QueryCondition[] = [];
  for (const [key, term] of parseQuery(q, Object.keys(fields))) {
    const field = fields[key];
    if (field) conditions.push(conditionOf(key, field, term));
  }
  return conditions;
}

function conditionOf(key: string, field: QueryField, term: QueryTerm): QueryCondition {
  const { column } = field;
  const values = anyOfValues(term)?.map(unquote);
  switch (field.kind) {
    case 'text':
      if (values) return { column, kind: 'in', values };
      if (term.kind === 'fuzzy') return { column, kind: 'contains', text: unquote(term.value) };
      throw new ApiError('BAD_REQUEST', `q: ${key} takes ${key}=v, ${key}=~v, ${key}={a b} or ${key}=(a b), not a range`);
    case 'integer':
      if (values) return { column, kind: 'in', values: values.map((v) => integer(key, v)) };
      if (term.kind === 'range') {
        const from = term.min === undefined ? undefined : integer(key, unquote(term.min));
        const max = term.max === undefined ? undefined : integer(key, unquote(term.max));
        return { column, kind: 'between', from, until: max === undefined ? undefined : max + 1 };
      }
      throw new ApiError('BAD_REQUEST', `q: ${key} takes ${key}=n, ${key}={a b}, ${key}=(a b) or ${key}=[min~max], not a fuzzy match`);
    case 'boolean':
      if (values) return { column, kind: 'in', values: values.map((v) => boolean(key, v)) };
      throw new ApiError('BAD_REQUEST', `q: ${key} takes ${key}=true or ${key}=false`);
    case 'time':
      return timeCondition(key, column, term);
  }
}

function timeCondition(key: string, column: string, term: QueryTerm): QueryCondition {
  if (term.kind === 'exact') {
    const at = parseTime(unquote(term.value), key);
    return { column, kind: 'between', from: at.start, until: at.end };
  }
  if (term.kind !== 'range') throw new ApiError('BAD_REQUEST', `q: ${key} takes a time or a range: ${key}=[2026-01-01 00:00:00~2026-12-31 23:59:59]`);
  const from = term.min === undefined ? undefined : parseTime(unquote(term.min), key).start;
  const until = term.max === undefined ? undefined : parseTime(unquote(term.max), key).end;
  if (from !== undefined && until !== undefined && from >= until) throw new ApiError('BAD_REQUEST', `q: ${key} range ends before it starts`);
  return { column, kind: 'between', from, until };
}

function integer(key: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new ApiError('BAD_REQUEST', `q: ${key} must be a whole number, not "${value.slice(0, 40)}"`);
  return Number(value);
}

/** Booleans are stored as 0 and 1 on both engines. */
function boolean(key: string, value: string): number {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return 1;
  if (lower === 'false' || lower === '0') return 0;
  throw new ApiError('BAD_REQUEST', `q: ${key} must be true or false`);
}

/** Harbor lets values be quoted with " or '. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Harbor's `2006-01-02 15:04:05` (UTC, as Harbor reads it) or ISO-8601, as epoch milliseconds.
 * A time names the whole unit it is written in — a day, minute, second — so `[…~2026-12-31 23:59:59]`
 * includes 23:59:59.5 and `[…~2026-12-31]` includes that whole day: `end` is exclusive.
 */
export function parseTime(text: string, key: string): { start: number; end: number } {
  const m = TIME.exec(text.trim());
  const invalid = () => new ApiError('BAD_REQUEST', `invalid ${key} "${text.slice(0, 40)}": use 2006-01-02 15:04:05 or ISO-8601`);
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
