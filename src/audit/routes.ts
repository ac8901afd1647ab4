import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePaging, requireAuthenticated, requireProject, projectByName, setPagingHeaders, type ApiDeps, type ApiFeature } from '../api/index.js';
import { listAuditLogs, type AuditScope } from './repo.js';
import { parseAuditFilter, parseAuditSort, toAuditLogJson, type AuditLogJson } from './schema.js';
import { auditScopeOf } from './service.js';

/** Harbor's audit log listings: `/audit-logs` and a project's `/logs`. */
export const auditApi: ApiFeature = (scope, deps) => {
  scope.get('/audit-logs', async (request, reply) => {
    const { identity } = requireAuthenticated(request);
    return listPage(request, reply, deps, await auditScopeOf(deps, identity));
  });

  const projectLogs = async (request: FastifyRequest<{ Params: { project_name: string } }>, reply: FastifyReply) => {
    const { project } = await requireProject(request, deps, projectByName(request.params.project_name), 'log', 'list');
    return listPage(request, reply, deps, { kind: 'projects', projectIds: [project.id] });
  };
  scope.get('/projects/:project_name/logs', projectLogs);
  // An alias beyond Harbor's API.
  scope.get('/projects/:project_name/auditlogs', projectLogs);
};

async function listPage(request: FastifyRequest, reply: FastifyReply, deps: ApiDeps, visible: AuditScope): Promise<AuditLogJson[]> {
  const query = request.query as Record<string, unknown>;
  const paging = parsePaging(query);
  const page = await listAuditLogs(deps.database, visible, parseAuditFilter(query.q), parseAuditSort(query.sort), paging);
  setPagingHeaders(request, reply, page.total, paging);
  return page.rows.map(toAuditLogJson);
}
