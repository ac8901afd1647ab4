import type { FastifyRequest } from 'fastify';
import {
  apiCaller,
  parsePaging,
  parseQueryConditions,
  repositoryParam,
  requireAuthenticated,
  requireProject,
  projectById,
  requireSystem,
  setPagingHeaders,
  type ApiDeps,
  type ApiFeature,
} from '../api/index.js';
import { parseBody, queryParam, type QueryFields } from '../platform/http/index.js';
import type { Label } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { findProjectById, findProjectByName } from '../projects/index.js';
import { findArtifactId, labelJson } from './repo.js';
import { attachLabelSchema, labelCreateSchema, labelUpdateSchema } from './schema.js';
import { LabelService, type Actor } from './service.js';

/** `q` keys of GET /labels; `scope` and `project_id` are parameters of their own. */
const LABEL_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  name: { column: 'name', kind: 'text' },
  description: { column: 'description', kind: 'text' },
  creation_time: { column: 'created_at', kind: 'time' },
  update_time: { column: 'updated_at', kind: 'time' },
};

const ARTIFACT_LABELS = '/projects/:project_name/repositories/:repository_name/artifacts/:reference/labels';

/** Harbor's label API (`/labels`) and adding labels to, and removing them from, artifacts. */
export const labelsApi: ApiFeature = (scope, deps) => {
  const labels = new LabelService(deps);

  scope.post('/labels', async (request, reply) => {
    const input = parseBody(labelCreateSchema, request.body);
    let projectId = 0;
    if (input.scope === 'g') {
      requireSystem(request, deps.access, 'label', 'create');
    } else {
      if (!input.project_id) throw new ApiError('BAD_REQUEST', 'project_id is required for project labels');
      projectId = (await requireProject(request, deps, projectById(input.project_id), 'label', 'create')).project.id;
    }
    const created = await labels.create(actor(request), input, projectId);
    reply.code(201).header('location', `/api/v2.0/labels/${created.id}`);
    return created;
  });

  scope.get('/labels', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const conditions = parseQueryConditions(queryParam(query, 'q'), LABEL_QUERY_FIELDS);
    let projectId = 0;
    if (query.scope === 'g') {
      // Global labels are shared vocabulary: every signed-in user may see them.
      requireAuthenticated(request);
    } else if (query.scope === 'p') {
      const raw = typeof query.project_id === 'string' ? query.project_id : '';
      if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ApiError('BAD_REQUEST', 'project_id must be a positive integer when scope is p');
      projectId = (await requireProject(request, deps, projectById(Number(raw)), 'label', 'list')).project.id;
    } else {
      throw new ApiError('BAD_REQUEST', "scope is required: 'g' for global labels or 'p' for project labels");
    }
    const name = typeof query.name === 'string' && query.name !== '' ? query.name : undefined;
    const { total, labels: page } = await labels.list(
      { scope: query.scope, projectId, nameContains: name, conditions },
      { offset: paging.offset, limit: paging.pageSize },
    );
    setPagingHeaders(request, reply, total, paging);
    return page;
  });

  scope.get('/labels/:label_id', async (request) => {
    const label = await authorizedLabel(request, deps, labels, 'read');
    return labelJson(label);
  });

  scope.put('/labels/:label_id', async (request, reply) => {
    const label = await authorizedLabel(request, deps, labels, 'update');
    await labels.update(actor(request), label, parseBody(labelUpdateSchema, request.body));
    return reply.code(200).send();
  });

  scope.delete('/labels/:label_id', async (request, reply) => {
    const label = await authorizedLabel(request, deps, labels, 'delete');
    await labels.delete(actor(request), label);
    return reply.code(200).send();
  });

  scope.post(ARTIFACT_LABELS, async (request, reply) => {
    const artifact = await authorizedArtifact(request, deps, 'create');
    await labels.attach(artifact, parseBody(attachLabelSchema, request.body).id);
    return reply.code(200).send();
  });

  scope.delete(`${ARTIFACT_LABELS}/:label_id`, async (request, reply) => {
    const artifact = await authorizedArtifact(request, deps, 'delete');
    await labels.detach(artifact.id, positiveId((request.params as { label_id: string }).label_id, 'label_id'));
    return reply.code(200).send();
  });
};

function actor(request: FastifyRequest): Actor {
  const caller = requireAuthenticated(request);
  return { identity: caller.identity, clientIp: caller.clientIp };
}

/**
 * The label in the path, if the caller may act on it: global labels need the system
 * permission, project labels the project one. A project label in a project the caller
 * cannot read answers 404, as if it did not exist.
 */
async function authorizedLabel(request: FastifyRequest, deps: ApiDeps, labels: LabelService, action: string): Promise<Label> {
  const id = positiveId((request.params as { label_id: string }).label_id, 'label_id');
  const label = await labels.find(id);
  if (label.scope !== 'p') {
    requireSystem(request, deps.access, 'label', action);
    return label;
  }
  const { identity } = apiCaller(request);
  const project = await findProjectById(deps.database.db, label.project_id);
  const permissions = project ? await deps.access.forProject(identity, project) : undefined;
  const denied = !permissions || !permissions.can('', 'read') ? 'NOT_FOUND' : !permissions.can('label', action) ? 'FORBIDDEN' : undefined;
  if (!denied) return label;
  if (identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
  throw denied === 'NOT_FOUND' ? new ApiError('NOT_FOUND', `label ${id} not found`) : new ApiError('FORBIDDEN', `not allowed to ${action} labels in this project`);
}

/** The artifact in the path, if the caller may add (`create`) or remove (`delete`) its labels. */
async function authorizedArtifact(request: FastifyRequest, deps: ApiDeps, action: 'create' | 'delete'): Promise<{ id: number; projectId: number }> {
  const params = request.params as { project_name: string; repository_name: string; reference: string };
  const { identity } = apiCaller(request);
  const project = await findProjectByName(deps.database.db, params.project_name);
  const permissions = project ? await deps.access.forProject(identity, project) : undefined;
  if (!project || !permissions || !permissions.can('', 'read')) {
    if (identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
    throw new ApiError('NOT_FOUND', `project ${params.project_name} not found`);
  }
  const repository = `${project.name}/${repositoryParam(params.repository_name)}`;
  if (!permissions.can('artifact-label', action, repository)) {
    if (identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
    throw new ApiError('FORBIDDEN', `not allowed to ${action === 'create' ? 'add labels to' : 'remove labels from'} artifacts of ${repository}`);
  }
  const artifactId = await findArtifactId(deps.database.db, repository, params.reference);
  if (artifactId === undefined) throw new ApiError('NOT_FOUND', `artifact ${repository}@${params.reference} not found`);
  return { id: artifactId, projectId: project.id };
}

function positiveId(raw: string, field: string): number {
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', `${field} must be a positive integer`);
  return id;
}
