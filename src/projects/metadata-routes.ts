import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireProject, projectByNameOrId, type ApiDeps } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { normalizeMetadata, requireMetadataKey } from './metadata.js';
import { metadataOf } from './repo.js';
import type { ProjectParams } from './routes.js';
import { metadataInput, parseBody } from './schema.js';
import { updateMetadata } from './service.js';

type MetaParams = ProjectParams & { meta_name: string };

/** Harbor's /projects/{project_name_or_id}/metadatas/, checked against metadata:list/read/create/update/delete. */
export function registerMetadataRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  async function current(request: FastifyRequest<{ Params: ProjectParams }>, action: string) {
    const found = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'metadata', action);
    const metadata = (await metadataOf(deps.database.db, [found.project])).get(found.project.id) ?? {};
    return { ...found, metadata: new Map(Object.entries(metadata)) };
  }

  const list = async (request: FastifyRequest<{ Params: ProjectParams }>) => {
    const { metadata } = await current(request, 'list');
    return Object.fromEntries(metadata);
  };

  const create = async (request: FastifyRequest<{ Params: ProjectParams }>, reply: FastifyReply) => {
    const { caller, project, metadata } = await current(request, 'create');
    const values = normalizeMetadata(parseBody(metadataInput, request.body));
    if (values.size === 0) throw new ApiError('BAD_REQUEST', 'give at least one metadata');
    for (const name of values.keys()) {
      if (metadata.has(name)) throw new ApiError('CONFLICT', `metadata ${name} is already set; update it with PUT`);
    }
    await updateMetadata(deps, caller, project, { set: values });
    reply.code(200).send();
  };

  // Harbor's path ends with a slash; clients send it both ways.
  for (const path of ['/projects/:project_name_or_id/metadatas/', '/projects/:project_name_or_id/metadatas']) {
    scope.get<{ Params: ProjectParams }>(path, list);
    scope.post<{ Params: ProjectParams }>(path, create);
  }

  scope.get<{ Params: MetaParams }>('/projects/:project_name_or_id/metadatas/:meta_name', async (request) => {
    const { metadata, project } = await current(request, 'read');
    const name = request.params.meta_name;
    requireMetadataKey(name);
    const value = metadata.get(name);
    if (value === undefined) throw new ApiError('NOT_FOUND', `metadata ${name} is not set in project ${project.name}`);
    return { [name]: value };
  });

  scope.put<{ Params: MetaParams }>('/projects/:project_name_or_id/metadatas/:meta_name', async (request, reply) => {
    const { caller, metadata, project } = await current(request, 'update');
    const name = request.params.meta_name;
    requireMetadataKey(name);
    const values = normalizeMetadata(parseBody(metadataInput, request.body));
    if (values.size !== 1 || !values.has(name)) throw new ApiError('BAD_REQUEST', `the body must hold exactly the metadata ${name}`);
    if (!metadata.has(name)) throw new ApiError('NOT_FOUND', `metadata ${name} is not set in project ${project.name}; create it with POST`);
    await updateMetadata(deps, caller, project, { set: values });
    reply.code(200).send();
  });

  scope.delete<{ Params: MetaParams }>('/projects/:project_name_or_id/metadatas/:meta_name', async (request, reply) => {
    const { caller, metadata, project } = await current(request, 'delete');
    const name = request.params.meta_name;
    requireMetadataKey(name);
    if (name === 'public') throw new ApiError('BAD_REQUEST', 'metadata public cannot be deleted; set it to "false" instead');
    if (!metadata.has(name)) throw new ApiError('NOT_FOUND', `metadata ${name} is not set in project ${project.name}`);
    await updateMetadata(deps, caller, project, { remove: name });
    reply.code(200).send();
  });
}
