import type { FastifyInstance } from 'fastify';
import { apiCaller, parsePaging, requireAuthenticated, requireProject, projectByNameOrId, setPagingHeaders, type ApiDeps, type ApiFeature } from '../api/index.js';
import { type Identity, ROLE_IDS, ROLE_RANK, type Role } from '../auth/index.js';
import type { Project } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { allowlistsOf } from './allowlist/index.js';
import { projectJson } from './json.js';
import type { ProjectSummaryJson } from './shapes.js';
import { parseProjectListQuery } from './list-params.js';
import { registerMemberRoutes } from './member-routes.js';
import { registerMetadataRoutes } from './metadata-routes.js';
import { memberRoles, roleCounts } from './members-repo.js';
import * as repo from './repo.js';
import { parseBody, projectReq } from './schema.js';
import { findProjectQuota } from './quota/index.js';
import { createProject, deletableStatus, deleteProject, updateProject, visibilityFor } from './service.js';

export type ProjectParams = { project_name_or_id: string };

/** Projects, their metadata and members, under Harbor's paths. */
export const projectsApi: ApiFeature = (scope, deps) => {
  registerProjectRoutes(scope, deps);
  registerMetadataRoutes(scope, deps);
  registerMemberRoutes(scope, deps);
};

/** Role ids as roles, highest first. */
function rolesOf(ids: readonly number[]): Role[] {
  return ROLE_RANK.filter((role) => ids.includes(ROLE_IDS[role]));
}

/** Harbor's Project JSON for each project, with the caller's roles in it (its own and its groups'). */
async function describe(deps: ApiDeps, identity: Identity, projects: Array<Project & { owner_name?: string | null }>, withDetail: boolean) {
  const db = deps.database.db;
  const ids = projects.map((p) => p.id);
  const [metadata, counts, allowlists] = await Promise.all([repo.metadataOf(db, projects), repo.repositoryCounts(db, ids), allowlistsOf(db, ids)]);
  // Access control skips memberships for administrators (they may do everything), but
  // Harbor still shows an administrator's own role in the projects they belong to.
  const adminRoles = withDetail && identity.kind === 'user' && identity.sysadmin ? await memberRoles(db, identity.id, ids) : undefined;
  const out: Array<Record<string, unknown>> = [];
  for (const project of projects) {
    let roles: readonly Role[] = [];
    if (adminRoles) roles = rolesOf(adminRoles.get(project.id) ?? []);
    else if (withDetail) roles = (await deps.access.forProject(identity, project)).roles;
    const ownerName = project.owner_name !== undefined ? project.owner_name : await repo.ownerName(db, project.owner_id);
    out.push(
      projectJson(project, {
        ownerName,
        metadata: metadata.get(project.id) ?? {},
        repoCount: counts.get(project.id) ?? 0,
        roles,
        withDetail,
        allowlist: allowlists.get(project.id),
      }),
    );
  }
  return out;
}

function registerProjectRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  // Registered before GET, which would otherwise answer HEAD with the listing.
  scope.head('/projects', async (request, reply) => {
    requireAuthenticated(request);
    const name = (request.query as Record<string, unknown>).project_name;
    if (typeof name !== 'string' || name === '') throw new ApiError('BAD_REQUEST', 'project_name is required');
    const exists = await repo.findProjectByName(deps.database.db, name);
    if (!exists) throw new ApiError('NOT_FOUND', `project ${name} not found`);
    reply.code(200).send();
  });

  scope.get('/projects', async (request, reply) => {
    const { identity } = apiCaller(request);
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const { filter, sort, withDetail } = parseProjectListQuery(query);
    const visibility = await visibilityFor(deps, identity);
    const { rows, total } = await repo.searchProjects(deps.database.db, { ...filter, visibility }, sort, {
      limit: paging.pageSize,
      offset: paging.offset,
    });
    setPagingHeaders(request, reply, total, paging);
    return describe(deps, identity, rows, withDetail);
  });

  scope.post('/projects', async (request, reply) => {
    const caller = requireAuthenticated(request);
    const body = parseBody(projectReq, request.body);
    const project = await createProject(deps, caller, body);
    const byName = request.headers['x-resource-name-in-location'] === 'true';
    reply
      .code(201)
      .header('location', `/api/v2.0/projects/${byName ? project.name : project.id}`)
      .send();
  });

  scope.get<{ Params: ProjectParams }>('/projects/:project_name_or_id', async (request) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), '', 'read');
    const [json] = await describe(deps, caller.identity, [project], true);
    return json;
  });

  scope.put<{ Params: ProjectParams }>('/projects/:project_name_or_id', async (request, reply) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), '', 'update');
    await updateProject(deps, caller, project, parseBody(projectReq, request.body));
    reply.code(200).send();
  });

  scope.delete<{ Params: ProjectParams }>('/projects/:project_name_or_id', async (request, reply) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), '', 'delete');
    await deleteProject(deps, caller, project);
    reply.code(200).send();
  });

  scope.get<{ Params: ProjectParams }>('/projects/:project_name_or_id/_deletable', async (request) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), '', 'delete');
    return deletableStatus(deps.database.db, project);
  });

  scope.get<{ Params: ProjectParams }>('/projects/:project_name_or_id/summary', async (request) => {
    const { project, permissions } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), '', 'read');
    const db = deps.database.db;
    const summary: ProjectSummaryJson = { repo_count: (await repo.repositoryCounts(db, [project.id])).get(project.id) ?? 0 };
    // Member counts only for those who may list members, as in Harbor.
    if (permissions.can('member', 'list')) {
      const counts = await roleCounts(db, project.id);
      summary.project_admin_count = counts.get(ROLE_IDS.projectAdmin) ?? 0;
      summary.maintainer_count = counts.get(ROLE_IDS.maintainer) ?? 0;
      summary.developer_count = counts.get(ROLE_IDS.developer) ?? 0;
      summary.guest_count = counts.get(ROLE_IDS.guest) ?? 0;
      summary.limited_guest_count = counts.get(ROLE_IDS.limitedGuest) ?? 0;
    }
    if (permissions.can('quota', 'read')) {
      const quota = await findProjectQuota(db, project.id);
      if (quota) summary.quota = { hard: { storage: quota.hard_storage }, used: { storage: quota.used_storage } };
    }
    return summary;
  });
}
