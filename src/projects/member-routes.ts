import type { FastifyInstance } from 'fastify';
import { parsePaging, requireProject, projectByNameOrId, setPagingHeaders, type ApiDeps } from '../api/index.js';
import { ApiError } from '../platform/errors/index.js';
import { memberJson } from './json.js';
import { createMember, deleteMember, updateMember } from './members.js';
import { findMember, listMembers } from './members-repo.js';
import type { ProjectParams } from './routes.js';
import { memberCreate, memberUpdate, parseBody } from './schema.js';

type MemberParams = ProjectParams & { mid: string };

function memberId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new ApiError('BAD_REQUEST', 'member id must be a positive integer');
  return Number(raw);
}

/** Harbor's /projects/{project_name_or_id}/members, checked against member:list/read/create/update/delete. */
export function registerMemberRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  scope.get<{ Params: ProjectParams }>('/projects/:project_name_or_id/members', async (request, reply) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'member', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const entityName = typeof query.entityname === 'string' ? query.entityname : undefined;
    const { rows, total } = await listMembers(deps.database.db, project.id, entityName, { limit: paging.pageSize, offset: paging.offset });
    setPagingHeaders(request, reply, total, paging);
    return rows.map(memberJson);
  });

  scope.post<{ Params: ProjectParams }>('/projects/:project_name_or_id/members', async (request, reply) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'member', 'create');
    const member = await createMember(deps, caller, project, parseBody(memberCreate, request.body));
    const path = new URL(request.url, 'http://berth.invalid').pathname.replace(/\/$/, '');
    reply.code(201).header('location', `${path}/${member.id}`).send();
  });

  scope.get<{ Params: MemberParams }>('/projects/:project_name_or_id/members/:mid', async (request) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'member', 'read');
    const id = memberId(request.params.mid);
    const member = await findMember(deps.database.db, project.id, id);
    if (!member) throw new ApiError('NOT_FOUND', `member ${id} not found in project ${project.name}`);
    return memberJson(member);
  });

  scope.put<{ Params: MemberParams }>('/projects/:project_name_or_id/members/:mid', async (request, reply) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'member', 'update');
    await updateMember(deps, caller, project, memberId(request.params.mid), parseBody(memberUpdate, request.body));
    reply.code(200).send();
  });

  scope.delete<{ Params: MemberParams }>('/projects/:project_name_or_id/members/:mid', async (request, reply) => {
    const { caller, project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project_name_or_id), 'member', 'delete');
    await deleteMember(deps, caller, project, memberId(request.params.mid));
    reply.code(200).send();
  });
}
