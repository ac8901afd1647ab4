import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  apiCaller,
  parsePaging,
  parseQuery,
  parseQueryConditions,
  anyOfValues,
  repositoryParam,
  requireProject,
  projectByName,
  projectByNameOrId,
  setPagingHeaders,
  type ApiDeps,
  type ApiFeature,
} from '../api/index.js';
import { parseBody, parseSortParam, queryParam } from '../platform/http/index.js';
import { identityName } from '../auth/index.js';
import { findProjectsByIds, listProjects } from '../projects/index.js';
import type { Project, Repository } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { repositoryJson } from './json.js';
import * as repo from '../content/index.js';
import { flag, repositoryUpdateSchema, tagCreateSchema, type ArtifactParams, type RepositoryParams } from './schema.js';
import { ArtifactService, type Actor, type DescribeOptions } from './service.js';

const REPOSITORY = '/projects/:project_name/repositories/:repository_name';
const ARTIFACT = `${REPOSITORY}/artifacts/:reference`;

/** Repositories, artifacts and tags under Harbor's paths. */
export const artifactsApi: ApiFeature = (scope, deps) => {
  const service = new ArtifactService(deps);

  scope.get('/repositories', async (request, reply) => listRepositories(request, reply, deps, undefined));
  scope.get<{ Params: { project_name: string } }>('/projects/:project_name/repositories', async (request, reply) => {
    const { project } = await requireProject(request, deps, projectByName(request.params.project_name), 'repository', 'list');
    return listRepositories(request, reply, deps, project);
  });

  scope.get<{ Params: RepositoryParams }>(REPOSITORY, async (request) => {
    const { repository } = await authorizedRepository(request, deps, 'repository', 'read');
    return repositoryJson(repository);
  });

  scope.put<{ Params: RepositoryParams }>(REPOSITORY, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'repository', 'update');
    const { description } = parseBody(repositoryUpdateSchema, request.body);
    await deps.content.updateDescription(repository, description, actor(request));
    return reply.code(200).send();
  });

  scope.delete<{ Params: RepositoryParams }>(REPOSITORY, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'repository', 'delete');
    await deps.content.deleteRepository(repository, actor(request));
    return reply.code(200).send();
  });

  scope.get<{ Params: RepositoryParams }>(`${REPOSITORY}/artifacts`, async (request, reply) => {
    const { project, repository } = await authorizedRepository(request, deps, 'artifact', 'list');
    const query = request.query as Record<string, unknown>;
    return listArtifactsPage(request, reply, deps, service, project, new Map([[repository.id, repository]]), artifactFilter(queryParam(query, 'q')));
  });

  // Harbor's listArtifactsOfProject: every repository of the project the caller may list artifacts of.
  scope.get<{ Params: { project_name: string } }>('/projects/:project_name/artifacts', async (request, reply) => {
    const { project, permissions } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name), 'artifact', 'list');
    const query = request.query as Record<string, unknown>;
    const filter = artifactFilter(queryParam(query, 'q'));
    filter.latestInRepository = flag(query, 'latest_in_repository', false);
    const repositories = (await repo.repositoriesOfProject(deps.database.db, project.id)).filter((r) => permissions.can('artifact', 'list', r.name));
    return listArtifactsPage(request, reply, deps, service, project, new Map(repositories.map((r) => [r.id, r])), filter);
  });

  scope.get<{ Params: ArtifactParams }>(ARTIFACT, async (request) => {
    const { project, repository } = await authorizedRepository(request, deps, 'artifact', 'read');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    const [json] = await service.describe(repository, project.name, [artifact], describeOptions(request.query as Record<string, unknown>));
    return json;
  });

  scope.delete<{ Params: ArtifactParams }>(ARTIFACT, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'artifact', 'delete');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    await deps.content.deleteArtifacts(repository, [artifact], actor(request));
    return reply.code(200).send();
  });

  scope.get<{ Params: ArtifactParams }>(`${ARTIFACT}/tags`, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'tag', 'list');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const withImmutableStatus = flag(query, 'with_immutable_status', false);
    const matches = tagNameFilter(queryParam(query, 'q'));
    const tags = ((await repo.tagsOf(deps.database.db, [artifact.id])).get(artifact.id) ?? []).filter((tag) => matches(tag.name));
    setPagingHeaders(request, reply, tags.length, paging);
    return service.describeTags(repository, tags.slice(paging.offset, paging.offset + paging.pageSize), withImmutableStatus);
  });

  scope.post<{ Params: ArtifactParams }>(`${ARTIFACT}/tags`, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'tag', 'create');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    const { name } = parseBody(tagCreateSchema, request.body);
    await deps.content.tag(repository, artifact, name, actor(request));
    // As Harbor: the request's path and the new tag's name.
    const path = (request.url.split('?', 1)[0] ?? request.url).replace(/\/+$/, '');
    return reply
      .code(201)
      .header('location', `${path}/${encodeURIComponent(name)}`)
      .send();
  });

  scope.delete<{ Params: ArtifactParams & { tag_name: string } }>(`${ARTIFACT}/tags/:tag_name`, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'tag', 'delete');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    await deps.content.deleteTag(repository, request.params.tag_name, actor(request), artifact);
    return reply.code(200).send();
  });

  scope.get<{ Params: ArtifactParams }>(`${ARTIFACT}/accessories`, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'accessory', 'list');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), repo.ACCESSORY_QUERY_FIELDS);
    const { total, page } = await service.accessoriesPage(repository, artifact, conditions, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return page;
  });

  scope.get<{ Params: ArtifactParams & { addition: string } }>(`${ARTIFACT}/additions/:addition`, async (request, reply) => {
    const { repository } = await authorizedRepository(request, deps, 'artifact-addition', 'read');
    const artifact = await deps.content.resolve(repository, request.params.reference);
    const { contentType, body } = await service.addition(artifact, request.params.addition);
    return reply.type(contentType).send(body);
  });
};

/** One page of artifacts of the given repositories (all of one project), as Harbor's Artifact JSON. */
async function listArtifactsPage(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiDeps,
  service: ArtifactService,
  project: Project,
  repositories: ReadonlyMap<number, Repository>,
  filter: repo.ArtifactFilter,
) {
  const query = request.query as Record<string, unknown>;
  const paging = parsePaging(query);
  const options = describeOptions(query);
  const sort = artifactSort(queryParam(query, 'sort'));
  const scope = [...repositories.keys()];
  const db = deps.database.db;
  const [total, page] = await Promise.all([repo.countArtifacts(db, scope, filter), repo.listArtifacts(db, scope, filter, sort, paging.offset, paging.pageSize)]);
  setPagingHeaders(request, reply, total, paging);
  return service.describeAcross(project.name, repositories, page, options);
}

async function listRepositories(request: FastifyRequest, reply: FastifyReply, deps: ApiDeps, project: Project | undefined) {
  const query = request.query as Record<string, unknown>;
  const paging = parsePaging(query);
  const q = parseQuery(queryParam(query, 'q'), ['name']);
  const filter: repo.RepositoryFilter = { projectIds: project ? [project.id] : await listableProjectIds(request, deps) };
  const name = q.get('name');
  const names = name && anyOfValues(name);
  if (names) filter.names = names;
  else if (name?.kind === 'fuzzy') filter.nameContains = name.value;
  else if (name) throw new ApiError('BAD_REQUEST', 'q name supports name=value, name=~value, name={a b} and name=(a b)');
  const sort = repositorySort(queryParam(query, 'sort'));
  const db = deps.database.db;
  const [total, rows] = await Promise.all([repo.countRepositories(db, filter), repo.listRepositories(db, filter, sort, paging.offset, paging.pageSize)]);
  setPagingHeaders(request, reply, total, paging);
  return rows.map(repositoryJson);
}

/** Undefined for system administrators (every project); otherwise the projects whose repositories the caller may list. */
async function listableProjectIds(request: FastifyRequest, deps: ApiDeps): Promise<number[] | undefined> {
  const { identity } = apiCaller(request);
  if (identity.kind === 'user' && identity.sysadmin) return undefined;
  const db = deps.database.db;
  const candidates =
    identity.kind === 'robot'
      ? await listProjects(db)
      : await findProjectsByIds(db, await repo.publicOrMemberProjectIds(db, identity.kind === 'user' ? identity.id : undefined));
  const ids: number[] = [];
  for (const project of candidates) {
    if ((await deps.access.forProject(identity, project)).can('repository', 'list')) ids.push(project.id);
  }
  return ids;
}

/**
 * The project and repository of the path, if the caller holds the permission. The name
 * arrives escaped twice, as Harbor's clients send it (`a%252Fb`); routing undid one layer.
 */
async function authorizedRepository(
  request: FastifyRequest<{ Params: RepositoryParams }>,
  deps: ApiDeps,
  resource: string,
  action: string,
): Promise<{ project: Project; repository: repo.RepositoryWithCount }> {
  const path = repositoryParam(request.params.repository_name);
  const { project, permissions } = await requireProject(request, deps, projectByName(request.params.project_name), resource, action);
  const name = `${project.name}/${path}`;
  if (!permissions.can(resource, action, name)) {
    throw new ApiError('FORBIDDEN', `not allowed to ${action} ${resource} in repository ${name}`);
  }
  const repository = await repo.findRepositoryWithCount(deps.database.db, project.id, name);
  if (!repository) throw new ApiError('NOT_FOUND', `repository ${name} not found`);
  return { project, repository };
}

function actor(request: FastifyRequest): Actor {
  const caller = apiCaller(request);
  return { name: identityName(caller.identity) || 'anonymous', ip: caller.clientIp };
}

function describeOptions(query: Record<string, unknown>): DescribeOptions {
  return {
    withSignature: flag(query, 'with_signature', false),
    withScanOverview: flag(query, 'with_scan_overview', false),
    withSbomOverview: flag(query, 'with_sbom_overview', false),
    withTag: flag(query, 'with_tag', true),
    withLabel: flag(query, 'with_label', false),
    withAccessory: flag(query, 'with_accessory', false),
    withImmutableStatus: flag(query, 'with_immutable_status', false),
  };
}

const ARTIFACT_TYPES = ['IMAGE', 'CHART', 'CNAB', 'WASM', 'SBOM', 'SIGNATURE', 'UNKNOWN'];

function artifactFilter(q: unknown): repo.ArtifactFilter {
  const query = parseQuery(q, ['tags', 'digest', 'media_type', 'type', 'base']);
  const filter: repo.ArtifactFilter = {};
  // Without `base=*`, Harbor lists top-level artifacts only (src/content/listing.ts).
  const base = query.get('base');
  if (base && (base.kind !== 'exact' || base.value !== '*')) throw new ApiError('BAD_REQUEST', 'q base supports only base=*');
  filter.everyArtifact = base !== undefined;
  /** k=v, k={a b} or k=(a b) on a column holding one value. */
  const values = (key: string): string[] | undefined => {
    const term = query.get(key);
    if (!term) return undefined;
    const any = anyOfValues(term);
    if (!any) throw new ApiError('BAD_REQUEST', `q ${key} supports ${key}=value, ${key}={a b} and ${key}=(a b)`);
    return any;
  };
  filter.digests = values('digest');
  filter.mediaTypes = values('media_type');
  const types = values('type')?.map((type) => type.toUpperCase());
  const unknown = types?.find((type) => !ARTIFACT_TYPES.includes(type));
  if (unknown !== undefined) throw new ApiError('BAD_REQUEST', `q type must be one of ${ARTIFACT_TYPES.join(', ')}`);
  // The kind kept on the row at push (src/content/facts.ts): a condition in SQL, no manifest read.
  filter.types = types;
  const tags = query.get('tags');
  if (tags?.kind === 'fuzzy') filter.tagContains = tags.value;
  else if (tags?.kind === 'exact') {
    // Harbor's spellings for "untagged" and "tagged".
    if (tags.value === 'nil') filter.tagged = false;
    else if (tags.value === '*') filter.tagged = true;
    else filter.tagGroups = [[tags.value]];
  } else if (tags?.kind === 'or') filter.tagGroups = [tags.values];
  // A tag names one artifact, but an artifact has many tags: "all of" asks for each.
  else if (tags?.kind === 'and') filter.tagGroups = tags.values.map((tag) => [tag]);
  else if (tags) throw new ApiError('BAD_REQUEST', 'q tags supports tags=value, tags=~value, tags={a b}, tags=(a b), tags=nil and tags=*');
  return filter;
}

/** The tags listing's q: name=v, name=~v, name={a b}, name=(a b), over one artifact's tags. */
function tagNameFilter(q: unknown): (name: string) => boolean {
  const term = parseQuery(q, ['name']).get('name');
  if (!term) return () => true;
  if (term.kind === 'fuzzy') return (name) => name.includes(term.value);
  const names = anyOfValues(term);
  if (!names) throw new ApiError('BAD_REQUEST', 'q name supports name=value, name=~value, name={a b} and name=(a b)');
  return (name) => names.includes(name);
}

function parseSort<C extends string>(value: unknown, columns: Record<string, C>, fallback: repo.Sort<C>): repo.Sort<C> {
  const [field] = parseSortParam(value, columns, { single: true });
  return field ? { column: field.column, direction: field.descending ? 'desc' : 'asc' } : fallback;
}

function repositorySort(value: unknown): repo.Sort<repo.RepositorySortColumn> {
  return parseSort<repo.RepositorySortColumn>(
    value,
    { name: 'name', creation_time: 'created_at', update_time: 'updated_at', pull_count: 'pull_count' },
    { column: 'created_at', direction: 'desc' },
  );
}

function artifactSort(value: unknown): repo.Sort<repo.ArtifactSortColumn> {
  return parseSort<repo.ArtifactSortColumn>(
    value,
    { push_time: 'push_time', pull_time: 'pull_time', size: 'size', digest: 'digest' },
    { column: 'push_time', direction: 'desc' },
  );
}
