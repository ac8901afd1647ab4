import type { FastifyRequest } from 'fastify';
import { anyOfValues, parsePaging, parseQuery, requireAuthenticated, setPagingHeaders, type ApiFeature, type Query } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { parseSortParam, queryParam } from '../platform/http/index.js';
import type { RobotSort } from './repo.js';
import { parseBody, robotCreateSchema, robotSecSchema, robotUpdateSchema } from './schema.js';
import { RobotService, type Actor, type ListFilter } from './service.js';

/** Harbor's robot account API (`/robots`) and its permission catalogue (`/permissions`). */
export const robotsApi: ApiFeature = (scope, deps) => {
  const robots = new RobotService(deps);

  scope.post('/robots', async (request, reply) => {
    const body = parseBody(robotCreateSchema, request.body);
    const created = await robots.create(actor(request), body);
    reply.code(201).header('location', `/api/v2.0/robots/${created.id}`);
    return created;
  });

  scope.get('/robots', async (request, reply) => {
    const caller = actor(request);
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const { total, robots: page } = await robots.list(caller, listFilter(parseQuery(queryParam(query, 'q'), QUERY_KEYS)), parseSort(queryParam(query, 'sort')), {
      offset: paging.offset,
      limit: paging.pageSize,
    });
    setPagingHeaders(request, reply, total, paging);
    return page;
  });

  scope.get('/robots/:robot_id', async (request) => robots.get(actor(request), robotId(request)));

  scope.put('/robots/:robot_id', async (request, reply) => {
    const caller = actor(request);
    const id = robotId(request);
    await robots.update(caller, id, parseBody(robotUpdateSchema, request.body));
    return reply.code(200).send();
  });

  scope.patch('/robots/:robot_id', async (request) => {
    const caller = actor(request);
    const id = robotId(request);
    return robots.refreshSecret(caller, id, parseBody(robotSecSchema, request.body).secret);
  });

  scope.delete('/robots/:robot_id', async (request, reply) => {
    await robots.delete(actor(request), robotId(request));
    return reply.code(200).send();
  });

  scope.get('/permissions', async (request) => robots.catalogue(actor(request).identity));
};

function actor(request: FastifyRequest): Actor {
  const caller = requireAuthenticated(request);
  return { identity: caller.identity, clientIp: caller.clientIp };
}

function robotId(request: FastifyRequest): number {
  const raw = (request.params as { robot_id: string }).robot_id;
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'robot_id must be a positive integer');
  return id;
}

// Harbor's portal sends `Level` and `ProjectID`; the snake_case spellings are accepted too.
const QUERY_KEYS = ['Level', 'level', 'ProjectID', 'project_id', 'name'] as const;

function listFilter(query: Query): ListFilter {
  const filter: ListFilter = {};
  for (const [key, term] of query) {
    const values = anyOfValues(term);
    if (key === 'name') {
      if (term.kind === 'fuzzy') filter.nameContains = term.value.toLowerCase();
      else if (values) filter.names = values;
      else throw new ApiError('BAD_REQUEST', 'q: name supports name=v, name=~v, name={a b} and name=(a b)');
      continue;
    }
    // A robot has one level and one project, and which projects a caller may list is checked for one: one value.
    const value = values?.length === 1 ? values[0] : undefined;
    if (value === undefined) throw new ApiError('BAD_REQUEST', `q: ${key} takes one value`);
    if (key === 'Level' || key === 'level') {
      if (value !== 'system' && value !== 'project') throw new ApiError('BAD_REQUEST', 'q: Level is system or project');
      filter.level = value;
    } else {
      const id = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(id)) throw new ApiError('BAD_REQUEST', `q: ${key} must be a project id`);
      // Harbor gives system robots project id 0.
      if (id === 0) filter.level = 'system';
      else filter.projectId = id;
    }
  }
  return filter;
}

const SORT_COLUMNS: Record<string, RobotSort['column']> = {
  id: 'id',
  name: 'name',
  creation_time: 'created_at',
  expires_at: 'expires_at',
};

/** Harbor's `sort=field1,-field2`; newest first when absent. */
function parseSort(sort: unknown): RobotSort[] {
  const fields = parseSortParam(sort, SORT_COLUMNS);
  if (fields.length === 0) return [{ column: 'created_at', desc: true }];
  return fields.map(({ column, descending }) => ({ column, desc: descending }));
}
