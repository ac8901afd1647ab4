import { anyOfValues, parseQuery, type QueryTerm } from '../api/index.js';
import { InvalidInputError } from '../platform/errors/index.js';
import { queryParam } from '../platform/http/index.js';
import type { ProjectListFilter, ProjectSort, ProjectSortColumn } from './repo.js';

const Q_KEYS = ['name', 'project_id', 'public', 'owner_id'] as const;
const SORT_COLUMNS = new Map<string, ProjectSortColumn>([
  ['name', 'name'],
  ['creation_time', 'created_at'],
  ['update_time', 'updated_at'],
  ['project_id', 'id'],
]);

function single(query: Record<string, unknown>, key: string): string | undefined {
  return queryParam(query, key);
}

export function parseBoolean(value: string | undefined, key: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new InvalidInputError('input', `${key} must be true or false`);
}

function integer(value: string, key: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidInputError('input', `${key} must be an integer`);
  return Number(value);
}

function unsupported(key: string): InvalidInputError {
  return new InvalidInputError('input', `unsupported query term for ${key}`);
}

function applyTerm(filter: ProjectListFilter, key: (typeof Q_KEYS)[number], term: QueryTerm): void {
  // k=v, k={a b} (any of) and k=(a b) (all of) as one list of the values the column may hold.
  const values = anyOfValues(term);
  switch (key) {
    case 'name':
      // Names are lowercase: matching lowercases so both engines agree.
      if (values) filter.names = values;
      else if (term.kind === 'fuzzy') filter.nameContains = [...(filter.nameContains ?? []), term.value.toLowerCase()];
      else throw unsupported(key);
      return;
    case 'project_id':
      if (values) filter.ids = values.map((v) => integer(v, key));
      else if (term.kind === 'range') {
        if (term.min !== undefined) filter.minId = integer(term.min, key);
        if (term.max !== undefined) filter.maxId = integer(term.max, key);
      } else throw unsupported(key);
      return;
    case 'public':
      if (!values) throw unsupported(key);
      filter.publicAnyOf = values.map((v) => {
        const flag = parseBoolean(v, key);
        if (flag === undefined) throw new InvalidInputError('input', `${key} must be true or false`);
        return flag;
      });
      return;
    case 'owner_id':
      if (!values) throw unsupported(key);
      filter.ownerIds = values.map((v) => integer(v, key));
      return;
  }
}

/** GET /projects parameters: `name` (fuzzy), `public`, `owner`, `q`, `sort`, `with_detail`. */
export function parseProjectListQuery(query: Record<string, unknown>): { filter: ProjectListFilter; sort: ProjectSort[]; withDetail: boolean } {
  const filter: ProjectListFilter = {};
  for (const [key, term] of parseQuery(query.q, Q_KEYS)) applyTerm(filter, key as (typeof Q_KEYS)[number], term);
  const name = single(query, 'name');
  if (name) filter.nameContains = [...(filter.nameContains ?? []), name.toLowerCase()];
  const isPublic = parseBoolean(single(query, 'public'), 'public');
  // Both the parameter and q's public=: the projects both allow.
  if (isPublic !== undefined) filter.publicAnyOf = (filter.publicAnyOf ?? [isPublic]).filter((p) => p === isPublic);
  const owner = single(query, 'owner');
  if (owner) filter.ownerName = owner;
  return { filter, sort: parseSort(single(query, 'sort')), withDetail: parseBoolean(single(query, 'with_detail'), 'with_detail') ?? true };
}

/** Harbor's `sort`: comma-separated fields, `-` for descending. Default: by name. */
function parseSort(sort: string | undefined): ProjectSort[] {
  if (!sort) return [{ column: 'name', direction: 'asc' }];
  return sort
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const descending = part.startsWith('-');
      const field = descending ? part.slice(1) : part;
      const column = SORT_COLUMNS.get(field);
      if (!column) throw new InvalidInputError('input', `cannot sort projects by "${field}"; use ${[...SORT_COLUMNS.keys()].join(', ')}`);
      return { column, direction: descending ? 'desc' : 'asc' };
    });
}
