import type { FastifyInstance } from 'fastify';
import { parsePaging, parseQueryConditions, requireSystem, setPagingHeaders, type ApiCaller, type ApiDeps, type QueryFields } from '../api/index.js';
import { identityName } from '../auth/index.js';
import { ApiError } from '../platform/errors/index.js';
import { parseBody, parseSortParam, queryParam } from '../platform/http/index.js';
import { ADAPTER_TYPES, providerInfos } from './adapters/index.js';
import type { RegistryColumn } from './repo.js';
import { registryCreateSchema, registryJson, registryPingSchema, registryUpdateSchema } from './schema.js';
import type { Actor, RegistryService } from './service.js';

type IdParams = { Params: { id: string } };

/** `q` keys of the list. */
const REGISTRY_QUERY: QueryFields = {
  name: { column: 'name', kind: 'text' },
  url: { column: 'url', kind: 'text' },
  type: { column: 'type', kind: 'text' },
  description: { column: 'description', kind: 'text' },
  creation_time: { column: 'created_at', kind: 'time' },
};

const REGISTRY_SORT: Readonly<Record<string, RegistryColumn>> = {
  id: 'id',
  name: 'name',
  url: 'url',
  type: 'type',
  creation_time: 'created_at',
  update_time: 'updated_at',
};

function registryId(text: string): number {
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'the registry id must be a positive integer');
  return id;
}

function actor(caller: ApiCaller): Actor {
  return { username: identityName(caller.identity), clientIp: caller.clientIp };
}

/** Harbor's /registries and /replication/adapters*: system administrators only (Harbor's RBAC). */
export function registryRoutes(scope: FastifyInstance, deps: ApiDeps, registries: RegistryService): void {
  scope.get('/registries', async (request, reply) => {
    requireSystem(request, deps.access, 'registry', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const conditions = parseQueryConditions(queryParam(query, 'q'), REGISTRY_QUERY);
    // Harbor's deprecated `name`: a fuzzy match, as q=name=~….
    const name = queryParam(query, 'name');
    if (typeof name === 'string' && name !== '') conditions.push({ column: 'name', kind: 'contains', text: name.slice(0, 255) });
    const sort = parseSortParam(queryParam(query, 'sort'), REGISTRY_SORT);
    const { total, rows } = await registries.list(conditions, sort, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return rows.map(registryJson);
  });

  scope.post('/registries', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'registry', 'create');
    const row = await registries.create(parseBody(registryCreateSchema, request.body), actor(caller));
    reply.header('location', `/api/v2.0/registries/${row.id}`);
    return reply.code(201).send();
  });

  scope.post('/registries/ping', async (request, reply) => {
    requireSystem(request, deps.access, 'registry', 'read');
    await registries.ping(parseBody(registryPingSchema, request.body));
    return reply.code(200).send();
  });

  scope.get<IdParams>('/registries/:id', async (request) => {
    requireSystem(request, deps.access, 'registry', 'read');
    return registryJson(await registries.get(registryId(request.params.id)));
  });

  scope.put<IdParams>('/registries/:id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'registry', 'update');
    const id = registryId(request.params.id);
    await registries.update(id, parseBody(registryUpdateSchema, request.body), actor(caller));
    return reply.code(200).send();
  });

  scope.delete<IdParams>('/registries/:id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'registry', 'delete');
    await registries.delete(registryId(request.params.id), actor(caller));
    return reply.code(200).send();
  });

  scope.get<IdParams>('/registries/:id/info', async (request) => {
    requireSystem(request, deps.access, 'registry', 'read');
    return registries.info(registryId(request.params.id));
  });

  scope.get('/replication/adapters', async (request) => {
    requireSystem(request, deps.access, 'replication-adapter', 'list');
    return [...ADAPTER_TYPES];
  });

  scope.get('/replication/adapterinfos', async (request) => {
    requireSystem(request, deps.access, 'replication-adapter', 'list');
    return providerInfos();
  });
}
