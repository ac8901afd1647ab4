import { ApiError } from '../errors/index.js';

/** A parsed query string: no prototype, so `__proto__`, `constructor` or `toString` are plain keys. */
export type QueryParams = Record<string, string | string[] | undefined>;

/**
 * The one query-string parser of the app (Fastify's `querystringParser`): an object without a
 * prototype; a key given more than once keeps all its values in an array, which the helpers
 * below refuse with a 400 naming the parameter.
 */
export function parseQuerystring(text: string): QueryParams {
  const params = Object.create(null) as QueryParams;
  for (const [key, value] of new URLSearchParams(text)) {
    const previous = params[key];
    if (previous === undefined) params[key] = value;
    else params[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return params;
}

/** A query parameter given at most once: its value, or undefined when absent. */
export function queryParam(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null || !Object.hasOwn(query, name)) return undefined;
  const value: unknown = (query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new ApiError('BAD_REQUEST', `parameter ${name} given more than once`);
  if (typeof value !== 'string') throw new ApiError('BAD_REQUEST', `parameter ${name} must be a string`);
  return value;
}

export interface SortField<C> {
  column: C;
  descending: boolean;
}

/**
 * Harbor's `sort`: comma-separated fields, each optionally prefixed with `-` (descending) or
 * `+`. Only the fields `columns` names are accepted (own keys: never `toString` or `__proto__`);
 * `single` allows one field only. An absent or empty parameter gives an empty list.
 */
export function parseSortParam<C>(value: unknown, columns: Readonly<Record<string, C>>, options: { single?: boolean } = {}): SortField<C>[] {
  if (value === undefined || value === '') return [];
  if (Array.isArray(value)) throw new ApiError('BAD_REQUEST', 'parameter sort given more than once');
  if (typeof value !== 'string') throw new ApiError('BAD_REQUEST', 'sort must be a string');
  const fields = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (options.single && fields.length > 1) throw new ApiError('BAD_REQUEST', 'sort takes one field');
  const supported = Object.keys(columns).join(', ');
  return fields.map((part) => {
    const descending = part.startsWith('-');
    const key = part.replace(/^[-+]/, '').trim();
    if (!Object.hasOwn(columns, key)) throw new ApiError('BAD_REQUEST', `cannot sort by "${key}"; sort by one of ${supported}, optionally prefixed with -`);
    return { column: columns[key] as C, descending };
  });
}
