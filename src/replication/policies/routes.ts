import type { FastifyInstance } from 'fastify';
import { parsePaging, parseQueryConditions, requireSystem, setPagingHeaders, type ApiCaller, type ApiDeps, type QueryFields } from '../../api/index.js';
import { identityName } from '../../auth/index.js';
import type { JobStatus } from '../../platform/db/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { parseBody, parseSortParam, queryParam } from '../../platform/http/index.js';
import type { Trigger } from '../../platform/jobs/index.js';
import type { RegistryClients } from '../runs/endpoints.js';
import type { RunFilter, RunService } from '../runs/service.js';
import { executionJson, taskJson } from '../runs/shapes.js';
import type { RegistryService } from '../service.js';
import { PREVIEW_LIMIT, previewBodySchema, previewPolicy } from './preview.js';
import { policyBodySchema, policyJson, policyOf, startExecutionSchema } from './schema.js';
import type { PolicyActor, PolicyColumn, PolicyService } from './service.js';

type IdParams = { Params: { id: string } };
type TaskParams = { Params: { id: string; task_id: string } };

const POLICY_QUERY: QueryFields = { name: { column: 'name', kind: 'text' }, description: { column: 'description', kind: 'text' } };
const POLICY_SORT: Readonly<Record<string, PolicyColumn>> = { id: 'id', name: 'name', creation_time: 'created_at', update_time: 'updated_at' };
const TRIGGERS: Readonly<Record<string, Trigger>> = { manual: 'MANUAL', scheduled: 'SCHEDULE', event_based: 'EVENT' };
const STATUSES: Readonly<Record<string, readonly JobStatus[]>> = {
  InProgress: ['Pending', 'Running'],
  Succeed: ['Success'],
  Failed: ['Error'],
  Stopped: ['Stopped'],
};

function idOf(text: string, what: string): number {
  const id = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', `the ${what} id must be a positive integer`);
  return id;
}

const actorOf = (caller: ApiCaller): PolicyActor => ({ username: identityName(caller.identity), clientIp: caller.clientIp });

/** Harbor's /replication/policies and /replication/executions: system administrators only. */
export function replicationRoutes(
  scope: FastifyInstance,
  deps: ApiDeps,
  policies: PolicyService,
  runs: RunService,
  registries: RegistryService,
  clients: RegistryClients,
): void {
  scope.get('/replication/policies', async (request, reply) => {
    requireSystem(request, deps.access, 'replication-policy', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const conditions = parseQueryConditions(queryParam(query, 'q'), POLICY_QUERY);
    const name = queryParam(query, 'name');
    if (typeof name === 'string' && name !== '') conditions.push({ column: 'name', kind: 'contains', text: name.slice(0, 255) });
    const { total, rows } = await policies.list(conditions, parseSortParam(queryParam(query, 'sort'), POLICY_SORT), paging.offset, paging.pageSize);
    const registries = await runs.registriesById(rows.flatMap((r) => [r.src_registry_id, r.dest_registry_id]));
    setPagingHeaders(request, reply, total, paging);
    return rows.map((row) => policyJson(row, registries));
  });

  scope.post('/replication/policies', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'replication-policy', 'create');
    const row = await policies.create(parseBody(policyBodySchema, request.body), actorOf(caller));
    reply.header('location', `/api/v2.0/replication/policies/${row.id}`);
    return reply.code(201).send();
  });

  // Berth's own: a dry run of a policy (saved or not) listing what it selects now.
  scope.post('/replication/policies/preview', async (request, reply) => {
    requireSystem(request, deps.access, 'replication-policy', 'read');
    const body = parseBody(previewBodySchema, request.body);
    const limitText = queryParam(request.query as Record<string, unknown>, 'limit');
    let limit = PREVIEW_LIMIT;
    if (typeof limitText === 'string' && limitText !== '') {
      limit = Number(limitText);
      if (!/^\d{1,4}$/.test(limitText) || limit < 1 || limit > PREVIEW_LIMIT)
        throw new ApiError('BAD_REQUEST', `limit must be an integer from 1 to ${PREVIEW_LIMIT}`);
    }
    // A caller that goes away stops the listing of a remote catalog.
    const gone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    return previewPolicy({ database: deps.database, registries, clients }, body, limit, gone.signal);
  });

  scope.get<IdParams>('/replication/policies/:id', async (request) => {
    requireSystem(request, deps.access, 'replication-policy', 'read');
    const row = await policies.get(idOf(request.params.id, 'policy'));
    return policyJson(row, await runs.registriesById([row.src_registry_id, row.dest_registry_id]));
  });

  scope.put<IdParams>('/replication/policies/:id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'replication-policy', 'update');
    await policies.update(idOf(request.params.id, 'policy'), parseBody(policyBodySchema, request.body), actorOf(caller));
    return reply.code(200).send();
  });

  scope.delete<IdParams>('/replication/policies/:id', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'replication-policy', 'delete');
    await policies.delete(idOf(request.params.id, 'policy'), actorOf(caller));
    return reply.code(200).send();
  });

  scope.get('/replication/executions', async (request, reply) => {
    requireSystem(request, deps.access, 'replication', 'list');
    const query = request.query as Record<string, unknown>;
    const paging = parsePaging(query);
    const filter: RunFilter = {};
    const policyId = queryParam(query, 'policy_id');
    if (typeof policyId === 'string' && policyId !== '') filter.policyId = idOf(policyId, 'policy');
    const status = queryParam(query, 'status');
    if (typeof status === 'string' && status !== '') {
      const statuses = STATUSES[status];
      if (!statuses) throw new ApiError('BAD_REQUEST', `status must be one of ${Object.keys(STATUSES).join(', ')}`);
      filter.statuses = statuses;
    }
    const trigger = queryParam(query, 'trigger');
    if (typeof trigger === 'string' && trigger !== '') {
      const stored = TRIGGERS[trigger];
      if (!stored) throw new ApiError('BAD_REQUEST', `trigger must be one of ${Object.keys(TRIGGERS).join(', ')}`);
      filter.trigger = stored;
    }
    const { total, runs: page } = await runs.list(filter, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return page.map((run) => executionJson(run.execution, run.copies, run.planFailure));
  });

  scope.post('/replication/executions', async (request, reply) => {
    requireSystem(request, deps.access, 'replication', 'create');
    const { policy_id } = parseBody(startExecutionSchema, request.body);
    const id = await runs.start(policyOf(await policies.get(policy_id)), 'MANUAL');
    // The run's planning task starts now rather than at the job service's next poll.
    deps.jobs.wake();
    reply.header('location', `/api/v2.0/replication/executions/${id}`);
    return reply.code(201).send();
  });

  scope.get<IdParams>('/replication/executions/:id', async (request) => {
    requireSystem(request, deps.access, 'replication', 'read');
    const run = await runs.get(idOf(request.params.id, 'execution'));
    return executionJson(run.execution, run.copies, run.planFailure);
  });

  scope.put<IdParams>('/replication/executions/:id', async (request, reply) => {
    requireSystem(request, deps.access, 'replication', 'update');
    await runs.stop(idOf(request.params.id, 'execution'));
    return reply.code(200).send();
  });

  scope.get<IdParams>('/replication/executions/:id/tasks', async (request, reply) => {
    requireSystem(request, deps.access, 'replication', 'read');
    const { copies } = await runs.get(idOf(request.params.id, 'execution'));
    const paging = parsePaging(request.query as Record<string, unknown>);
    setPagingHeaders(request, reply, copies.length, paging);
    return copies.slice(paging.offset, paging.offset + paging.pageSize).map(taskJson);
  });

  scope.get<TaskParams>('/replication/executions/:id/tasks/:task_id/log', async (request, reply) => {
    requireSystem(request, deps.access, 'replication', 'read');
    const log = await runs.log(idOf(request.params.id, 'execution'), idOf(request.params.task_id, 'task'));
    return reply.type('text/plain; charset=utf-8').send(log);
  });
}
