import { ApiError } from '../errors/index.js';

/**
 * Harbor's `q` query: comma-separated `key=value` terms.
 *   k=v       exact match
 *   k=~v      fuzzy (substring) match
 *   k=[a~b]   range (either end may be empty)
 *   k={a b}   any of
 *   k=(a b)   all of
 */
export type QueryTerm =
  | { kind: 'exact'; value: string }
  | { kind: 'fuzzy'; value: string }
  | { kind: 'range'; min?: string; max?: string }
  | { kind: 'or'; values: string[] }
  | { kind: 'and'; values: string[] };

export type Query = Map<string, QueryTerm>;

/** Values one `{…}` or `(…)` list may hold: each becomes a bound parameter of one SQL condition. */
export const MAX_QUERY_LIST_VALUES = 100;

export function parseQuery(q: unknown, allowedKeys: readonly string[]): Query {
  const query: Query = new Map();
  if (q === undefined || q === '') return query;
  if (Array.isArray(q)) throw new ApiError('BAD_REQUEST', 'parameter q given more than once');
  if (typeof q !== 'string') throw new ApiError('BAD_REQUEST', 'q must be a string');
  for (const part of splitTerms(q)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ApiError('BAD_REQUEST', `invalid query term "${part}": expected key=value`);
    const key = part.slice(0, eq).trim();
    let raw: string;
    try {
      raw = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      throw new ApiError('BAD_REQUEST', `query term "${part}" is not valid percent-encoded text (write % as %25)`);
    }
    if (query.has(key)) throw new ApiError('BAD_REQUEST', `query key "${key}" given more than once`);
    if (!allowedKeys.includes(key)) throw new ApiError('BAD_REQUEST', `unsupported query key "${key}"; supported: ${allowedKeys.join(', ')}`);
    query.set(key, parseTerm(raw));
  }
  return query;
}

/** Commas inside [], {} or () belong to the term. */
function splitTerms(q: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of q) {
    if ('[{('.includes(ch)) depth++;
    if (']})'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      if (current.trim()) terms.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) terms.push(current);
  return terms;
}

function parseTerm(raw: string): QueryTerm {
  if (raw.startsWith('~')) return { kind: 'fuzzy', value: raw.slice(1) };
  if (raw.startsWith('[') && raw.endsWith(']')) {
    const bounds = raw
      .slice(1, -1)
      .split('~')
      .map((s) => s.trim());
    if (bounds.length !== 2) throw new ApiError('BAD_REQUEST', `invalid range "${raw}": expected [min~max]`);
    return { kind: 'range', min: bounds[0] || undefined, max: bounds[1] || undefined };
  }
  if (raw.startsWith('{') && raw.endsWith('}')) return { kind: 'or', values: listValues(raw) };
  if (raw.startsWith('(') && raw.endsWith(')')) return { kind: 'and', values: listValues(raw) };
  return { kind: 'exact', value: raw };
}

/** The space-separated values of `{a b}` or `(a b)`; an empty list is a mistake, not "match all". */
function listValues(raw: string): string[] {
  const values = raw.slice(1, -1).split(/\s+/).filter(Boolean);
  if (values.length === 0) throw new ApiError('BAD_REQUEST', `empty list "${raw}": give at least one value`);
  if (values.length > MAX_QUERY_LIST_VALUES) throw new ApiError('BAD_REQUEST', `list "${raw.slice(0, 40)}…" has more than ${MAX_QUERY_LIST_VALUES} values`);
  return values;
}

/**
 * The values a field holding ONE value may have for the term to hold: `k=v` is [v], `k={a b}`
 * is [a, b], and `k=(a b)` is [a] if every value is a (one value cannot equal two others),
 * else none. Undefined for fuzzy and range terms, which the caller handles or refuses.
 */
export function anyOfValues(term: QueryTerm): string[] | undefined {
  switch (term.kind) {
    case 'exact':
      return [term.value];
    case 'or':
      return [...new Set(term.values)];
    case 'and':
      return new Set(term.values).size === 1 ? term.values.slice(0, 1) : [];
    default:
      return undefined;
  }
}
