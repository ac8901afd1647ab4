import type { FastifyInstance } from 'fastify';
import { parsePaging, parseQuery, projectByNameOrId, requireProject, requireSystem, setPagingHeaders, type ApiDeps } from '../../api/index.js';
import { ApiError, DomainError } from '../../platform/errors/index.js';
import { parseBody, queryParam } from '../../platform/http/index.js';
import { AdapterError } from '../adapter/client.js';
import type { RegistrationFilter } from './repo.js';
import { isDefaultSchema, projectScannerSchema, registrationJson, registrationReqSchema, registrationSettingsSchema } from './schema.js';
import type { RegistrationService } from './service.js';

type Uuid = { Params: { registration_id: string } };
type ProjectParam = { Params: { project_name_or_id: string } };

function registrationFilter(q: unknown): RegistrationFilter {
  const query = parseQuery(q, ['name', 'url', 'description']);
  const filter: RegistrationFilter = {};
  for (const [key, term] of query) {
    if (key === 'name' && term.kind === 'fuzzy') filter.name = { contains: term.value };
    else if (term.kind !== 'exact') throw new ApiError('BAD_REQUEST', `q ${key} supports ${key}=value${key === 'name' ? ' and name=~value' : ''}`);
    else if (key === 'name') filter.name = { exact: term.value };
    else if (key === 'url') filter.url = term.value;
    else filter.description = term.value;
  }
  return filter;
}

/** An adapter that cannot be reached or answers wrongly is the caller's input problem here (Harbor answers 400). */
async function reading<T>(what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (err instanceof ApiError || err instanceof DomainError) throw err;
    const message = err instanceof AdapterError || err instanceof Error ? err.message : String(err);
    throw new ApiError('BAD_REQUEST', `the scanner adapter could not be read: ${message}`);
  }
}

/** Harbor's /scanners API and the project scanner. */
export function registrationRoutes(scope: FastifyInstance, deps: ApiDeps, registrations: RegistrationService): void {
  scope.get('/scanners', async (request, reply) => {
    requireSystem(request, deps.access, 'scanner', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const { total, rows } = await registrations.list(registrationFilter(queryParam(query, 'q')), paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return rows.map((row) => registrationJson(row));
  });

  scope.post('/scanners', async (request, reply) => {
    requireSystem(request, deps.access, 'scanner', 'create');
    const row = await registrations.create(parseBody(registrationReqSchema, request.body));
    reply.header('location', `/api/v2.0/scanners/${row.uuid}`);
    return reply.code(201).send();
  });

  scope.post('/scanners/ping', async (request, reply) => {
    requireSystem(request, deps.access, 'scanner', 'read');
    const settings = parseBody(registrationSettingsSchema, request.body);
    await reading(() => registrations.ping(settings));
    return reply.code(200).send();
  });

  scope.get<Uuid>('/scanners/:registration_id', async (request) => {
    requireSystem(request, deps.access, 'scanner', 'read');
    return registrationJson(await registrations.get(request.params.registration_id));
  });

  scope.put<Uuid>('/scanners/:registration_id', async (request, reply) => {
    requireSystem(request, deps.access, 'scanner', 'update');
    await registrations.update(request.params.registration_id, parseBody(registrationReqSchema, request.body));
    return reply.code(200).send();
  });

  scope.patch<Uuid>('/scanners/:registration_id', async (request, reply) => {
    requireSystem(request, deps.access, 'scanner', 'update');
    await registrations.setDefault(request.params.registration_id, parseBody(isDefaultSchema, request.body).is_default);
    return reply.code(200).send();
  });

  scope.delete<Uuid>('/scanners/:registration_id', async (request) => {
    requireSystem(request, deps.access, 'scanner', 'delete');
    return registrationJson(await registrations.delete(request.params.registration_id));
  });

  scope.get<Uuid>('/scanners/:registration_id/metadata', async (request) => {
    requireSystem(request, deps.access, 'scanner', 'read');
    const row = await registrations.get(request.params.registration_id);
    return reading(() => registrations.metadata(row));
  });

  scope.get<ProjectParam>('/projects/:project_name_or_id/scanner', async (request) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'scanner', 'read');
    const row = await registrations.ofProject(project.id);
    if (!row) throw new ApiError('NOT_FOUND', `no scanner is set for project ${project.name}`);
    return registrationJson(row, await registrations.health(row));
  });

  scope.put<ProjectParam>('/projects/:project_name_or_id/scanner', async (request, reply) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'scanner', 'create');
    await registrations.setForProject(project.id, parseBody(projectScannerSchema, request.body).uuid);
    return reply.code(200).send();
  });

  scope.get<ProjectParam>('/projects/:project_name_or_id/scanner/candidates', async (request, reply) => {
    await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'scanner', 'create');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const { total, rows } = await registrations.list(registrationFilter(queryParam(query, 'q')), paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return rows.map((row) => registrationJson(row));
  });
}
