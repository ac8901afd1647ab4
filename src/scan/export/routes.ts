import type { FastifyInstance, FastifyRequest } from 'fastify';
import { projectById, requireAuthenticated, requireProject, type ApiDeps } from '../../api/index.js';
import { identityName, type Identity } from '../../auth/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { parseBody } from '../../platform/http/index.js';
import { MIME, sameMime } from '../mime.js';
import { exportCriteriaSchema } from './schema.js';
import { createExport, exportsOf, findExport } from './repo.js';
import { listOf } from './task.js';

function requester(identity: Identity): { kind: string; id: number } {
  if (identity.kind === 'anonymous') throw new ApiError('UNAUTHORIZED', 'authentication required');
  return { kind: identity.kind, id: identity.id };
}

function executionId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new ApiError('BAD_REQUEST', 'execution_id must be a positive integer');
  return Number(raw);
}

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

/** Harbor's CVE export: one project's vulnerabilities as a CSV written by a job, read back by whoever asked for it. */
export function cveExportRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  const db = deps.database.db;

  /** The caller's own export; another's is refused as Harbor does. */
  async function ownExport(request: FastifyRequest, id: number) {
    const who = requester(requireAuthenticated(request).identity);
    const row = await findExport(db, id);
    if (!row) throw new ApiError('NOT_FOUND', `export ${id} not found`);
    if (row.requester_kind !== who.kind || Number(row.requester_id) !== who.id) throw new ApiError('FORBIDDEN', `export ${id} belongs to another user`);
    return row;
  }
  type Row = Awaited<ReturnType<typeof ownExport>>;
  const json = (row: Row) => ({
    id: Number(row.execution_id),
    user_id: Number(row.requester_id),
    user_name: row.requester_name,
    status: row.status,
    status_text: '',
    trigger: row.trigger,
    start_time: iso(row.start_time),
    end_time: iso(row.end_time),
    file_present: row.file_present === 1,
    job_name: row.job_name,
  });

  scope.post('/export/cve', async (request, reply) => {
    const type = request.headers['x-scan-data-type'];
    if (typeof type !== 'string' || !sameMime(type, MIME.genericReport)) throw new ApiError('BAD_REQUEST', `X-Scan-Data-Type must be ${MIME.genericReport}`);
    const criteria = parseBody(exportCriteriaSchema, request.body);
    if (listOf(criteria.cveIds).length > 1000 || listOf(criteria.tags).length > 100 || listOf(criteria.repositories).length > 100)
      throw new ApiError('BAD_REQUEST', 'at most 1000 CVE ids, 100 tags and 100 repositories');
    const projectId = criteria.projects[0] ?? 0;
    const { caller } = await requireProject(request, deps, projectById(projectId), 'export-cve', 'create');
    const who = requester(caller.identity);
    const id = await createExport(deps.database, { criteria, projectId, requester: { ...who, name: identityName(caller.identity) } }, deps.clock.now());
    deps.jobs.wake();
    return reply.code(200).send({ id });
  });

  scope.get('/export/cve/executions', async (request) => {
    const who = requester(requireAuthenticated(request).identity);
    const rows = await exportsOf(db, who);
    return { items: rows.map(json) };
  });

  scope.get<{ Params: { execution_id: string } }>('/export/cve/execution/:execution_id', async (request) =>
    json(await ownExport(request, executionId(request.params.execution_id))),
  );

  scope.get<{ Params: { execution_id: string }; Querystring: { format?: string } }>('/export/cve/download/:execution_id', async (request, reply) => {
    const id = executionId(request.params.execution_id);
    const row = await ownExport(request, id);
    const format = request.query.format;
    if (format !== undefined && format.toLowerCase() !== 'csv') throw new ApiError('BAD_REQUEST', 'only the CSV format is supported');
    if (row.file_present !== 1) throw new ApiError('NOT_FOUND', `export ${id} has no file (status ${row.status})`);
    const stream = await deps.storage.read(row.path);
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${(row.job_name || 'export').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100)}.csv"`)
      .send(stream);
  });
}
