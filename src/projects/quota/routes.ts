import { z } from 'zod';
import { parsePaging, requireSystem, setPagingHeaders, type ApiFeature } from '../../api/index.js';
import { parseBody, parseSortParam, queryParam } from '../../platform/http/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { quotaJson } from './json.js';
import * as repo from './repo.js';
import { setStorageLimit } from './service.js';

/** -1 is unlimited; 1 PiB is Harbor's upper bound for a storage limit. */
export const storageLimitSchema = z
  .number()
  .int()
  .min(-1)
  .max(2 ** 50)
  .refine((n) => n !== 0, 'use -1 for unlimited or a positive number of bytes');

const quotaUpdateSchema = z.object({ hard: z.object({ storage: storageLimitSchema }).strict() }).strict();

const SORT_COLUMNS: Record<string, repo.QuotaSort['column']> = {
  'hard.storage': 'hard_storage',
  'used.storage': 'used_storage',
};

function quotaId(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ApiError('BAD_REQUEST', 'quota id must be a positive integer');
  return Number(raw);
}

/** Harbor's `/quotas`: one storage quota per project, read and set by system administrators. */
export const quotasApi: ApiFeature = (scope, deps) => {
  scope.get('/quotas', async (request, reply) => {
    requireSystem(request, deps.access, 'quota', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    if (query.reference !== undefined && query.reference !== 'project') throw new ApiError('BAD_REQUEST', 'reference must be "project"');
    let projectId: number | undefined;
    if (query.reference_id !== undefined) {
      if (typeof query.reference_id !== 'string' || !/^\d+$/.test(query.reference_id)) throw new ApiError('BAD_REQUEST', 'reference_id must be a project id');
      projectId = Number(query.reference_id);
    }
    const [sort = { column: 'id' as const, descending: false }] = parseSortParam(queryParam(query, 'sort'), SORT_COLUMNS, { single: true });
    const { total, quotas } = await repo.listQuotas(deps.database.db, { projectId }, sort, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return quotas.map(quotaJson);
  });

  scope.get<{ Params: { id: string } }>('/quotas/:id', async (request) => {
    requireSystem(request, deps.access, 'quota', 'read');
    const quota = await repo.findQuota(deps.database.db, quotaId(request.params.id));
    if (!quota) throw new ApiError('NOT_FOUND', `quota ${request.params.id} not found`);
    return quotaJson(quota);
  });

  scope.put<{ Params: { id: string } }>('/quotas/:id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'quota', 'update');
    const id = quotaId(request.params.id);
    const { hard } = parseBody(quotaUpdateSchema, request.body);
    await setStorageLimit(deps.database, caller, id, hard.storage, deps.clock.now());
    return reply.code(200).send();
  });
};
