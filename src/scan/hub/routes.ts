import type { FastifyInstance } from 'fastify';
import { parsePaging, requireSystem, setPagingHeaders, type ApiDeps } from '../../api/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { queryParam } from '../../platform/http/index.js';
import { listVulnerabilities, securitySummary } from './service.js';

function flag(query: unknown, name: string): boolean {
  const value = queryParam(query, name);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new ApiError('BAD_REQUEST', `${name} must be true or false`);
}

/** Harbor's security hub: the system's vulnerability summary and list. System scope. */
export function securityHubRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  scope.get('/security/summary', async (request) => {
    requireSystem(request, deps.access, 'security-hub', 'read');
    return securitySummary(deps.database.db, {
      dangerousCves: flag(request.query, 'with_dangerous_cve'),
      dangerousArtifacts: flag(request.query, 'with_dangerous_artifact'),
    });
  });

  scope.get('/security/vul', async (request, reply) => {
    requireSystem(request, deps.access, 'security-hub', 'list');
    const paging = parsePaging(request.query);
    const { total, items } = await listVulnerabilities(deps.database.db, {
      q: queryParam(request.query, 'q'),
      offset: paging.offset,
      limit: paging.pageSize,
      tuneCount: flag(request.query, 'tune_count'),
      withTag: flag(request.query, 'with_tag'),
    });
    setPagingHeaders(request, reply, Math.max(total, 0), paging);
    if (total < 0) reply.header('x-total-count', '-1');
    return items;
  });
}
