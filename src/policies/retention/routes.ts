import type { FastifyRequest } from 'fastify';
import { parseBody, queryParam } from '../../platform/http/index.js';
import { parsePaging, parseQueryConditions, requireAuthenticated, requireProject, projectById, setPagingHeaders, type ApiFeature } from '../../api/index.js';
import { identityName, type ProjectPermissions } from '../../auth/index.js';
import { repositoriesOfProject } from '../../content/index.js';
import type { Execution, Project, RetentionPolicyRow, Task } from '../../platform/db/index.js';
import { ApiError } from '../../platform/errors/index.js';
import { EXECUTION_QUERY_FIELDS, findExecution, findTask, listExecutions, listTasks, stopExecution, TASK_QUERY_FIELDS, taskLog } from '../../platform/jobs/index.js';
import { findPolicy } from './repo.js';
import { operateBody, RETENTION_METADATA, retentionPolicyBody, runBody } from './schema.js';
import { createPolicy, deletePolicy, policyJson, startManualRun, updatePolicy, VENDOR_TYPE, type Actor } from './service.js';
import type { RetentionExecutionJson, RetentionExecutionTaskJson } from './shapes.js';

function iso(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}

function idParam(text: string, name: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', `${name} must be a positive integer`);
  return id;
}

function attrs(row: { extra_attrs: string }): Record<string, unknown> {
  return JSON.parse(row.extra_attrs) as Record<string, unknown>;
}

/** Harbor's RetentionExecution. */
function executionJson(execution: Execution): RetentionExecutionJson {
  return {
    id: execution.id,
    policy_id: Number(execution.vendor_id),
    start_time: iso(execution.start_time),
    end_time: iso(execution.end_time),
    status: execution.status,
    trigger: execution.trigger,
    dry_run: attrs(execution).dry_run === true,
  };
}

/** Harbor's RetentionExecutionTask: one per repository. */
function taskJson(task: Task): RetentionExecutionTaskJson {
  const params = JSON.parse(task.params) as { repository?: string };
  const result = attrs(task);
  const repository = params.repository ?? '';
  return {
    id: task.id,
    execution_id: task.execution_id,
    repository: repository.slice(repository.indexOf('/') + 1),
    job_id: String(task.id),
    status: task.status,
    status_code: 0,
    status_revision: task.update_time,
    start_time: iso(task.start_time),
    end_time: iso(task.end_time),
    total: typeof result.total === 'number' ? result.total : 0,
    retained: typeof result.retained === 'number' ? result.retained : 0,
  };
}

/** /retentions: a project's tag retention policy, its runs, their per-repository tasks and logs. */
export const retentionApi: ApiFeature = (scope, deps) => {
  const { db } = deps.database;

  /** The policy and its project, after checking the caller's permission there (404 when the caller cannot see it). */
  async function policyFor(request: FastifyRequest, idText: string, action: string) {
    const id = idParam(idText, 'id');
    const policy = await findPolicy(db, id);
    if (!policy) {
      requireAuthenticated(request);
      throw new ApiError('NOT_FOUND', `retention policy ${id} not found`);
    }
    const { project, caller, permissions } = await requireProject(request, deps, projectById(policy.project_id), 'tag-retention', action);
    const actor: Actor = { name: identityName(caller.identity), ip: caller.clientIp };
    return { policy, project, actor, permissions };
  }

  /**
   * A run deletes artifacts and tags, so starting one (now, or on a schedule) needs what
   * deleting needs, in every repository of the project: a caller whose grant is narrowed to
   * some repositories, or who may not delete, may keep only dry runs.
   */
  async function requireDeleteEverywhere(project: Project, permissions: ProjectPermissions): Promise<void> {
    const may = (name?: string) => permissions.can('artifact', 'delete', name) && permissions.can('tag', 'delete', name);
    const repositories = await repositoriesOfProject(db, project.id);
    if (!may() || !repositories.every((r) => may(r.name))) {
      throw new ApiError(
        'FORBIDDEN',
        `a retention run deletes artifacts: only callers who may delete artifacts and tags in every repository of ${project.name} may run or schedule it`,
      );
    }
  }

  async function executionOf(policy: RetentionPolicyRow, eidText: string): Promise<Execution> {
    const eid = idParam(eidText, 'eid');
    const execution = await findExecution(db, eid);
    if (!execution || execution.vendor_type !== VENDOR_TYPE || Number(execution.vendor_id) !== policy.id) {
      throw new ApiError('NOT_FOUND', `retention execution ${eid} not found`);
    }
    return execution;
  }

  scope.get('/retentions/metadatas', async (request) => {
    requireAuthenticated(request);
    return RETENTION_METADATA;
  });

  scope.post('/retentions', async (request, reply) => {
    requireAuthenticated(request);
    const body = parseBody(retentionPolicyBody, request.body);
    const { project, caller, permissions } = await requireProject(request, deps, projectById(body.scope.ref), 'tag-retention', 'create');
    if (body.trigger?.settings?.cron) await requireDeleteEverywhere(project, permissions);
    const now = deps.clock.now();
    const id = await createPolicy(deps.database, project, body, { name: identityName(caller.identity), ip: caller.clientIp }, now);
    reply.code(201).header('location', `/api/v2.0/retentions/${id}`).send();
  });

  scope.get<{ Params: { id: string } }>('/retentions/:id', async (request) => {
    const { policy } = await policyFor(request, request.params.id, 'read');
    return policyJson(policy);
  });

  scope.put<{ Params: { id: string } }>('/retentions/:id', async (request) => {
    const { policy, project, actor, permissions } = await policyFor(request, request.params.id, 'update');
    const body = parseBody(retentionPolicyBody, request.body);
    if (body.trigger?.settings?.cron) await requireDeleteEverywhere(project, permissions);
    const now = deps.clock.now();
    await updatePolicy(deps.database, project, policy, body, actor, now);
    return {};
  });

  scope.delete<{ Params: { id: string } }>('/retentions/:id', async (request) => {
    const { policy, project, actor } = await policyFor(request, request.params.id, 'delete');
    const now = deps.clock.now();
    await deletePolicy(deps.database, project, policy, actor, now);
    return {};
  });

  scope.post<{ Params: { id: string } }>('/retentions/:id/executions', async (request, reply) => {
    const { policy, project, actor, permissions } = await policyFor(request, request.params.id, 'operate');
    const body = parseBody(runBody, request.body ?? {});
    if (!body.dry_run) await requireDeleteEverywhere(project, permissions);
    const now = deps.clock.now();
    const id = await startManualRun(deps.database, policy, body.dry_run ?? false, actor.name, now);
    deps.jobs.wake();
    reply.code(201).header('location', `/api/v2.0/retentions/${policy.id}/executions/${id}`).send();
  });

  scope.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/retentions/:id/executions', async (request, reply) => {
    const { policy } = await policyFor(request, request.params.id, 'list');
    const paging = parsePaging(request.query);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), EXECUTION_QUERY_FIELDS);
    const { total, executions } = await listExecutions(db, VENDOR_TYPE, policy.id, paging.offset, paging.pageSize, conditions);
    setPagingHeaders(request, reply, total, paging);
    return executions.map(executionJson);
  });

  scope.patch<{ Params: { id: string; eid: string } }>('/retentions/:id/executions/:eid', async (request) => {
    const { policy } = await policyFor(request, request.params.id, 'operate');
    parseBody(operateBody, request.body);
    const execution = await executionOf(policy, request.params.eid);
    await stopExecution(deps.database, execution.id, deps.clock.now());
    return {};
  });

  scope.get<{ Params: { id: string; eid: string }; Querystring: Record<string, unknown> }>('/retentions/:id/executions/:eid/tasks', async (request, reply) => {
    const { policy } = await policyFor(request, request.params.id, 'list');
    const execution = await executionOf(policy, request.params.eid);
    const paging = parsePaging(request.query);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), TASK_QUERY_FIELDS);
    const { total, tasks } = await listTasks(db, execution.id, paging.offset, paging.pageSize, conditions);
    setPagingHeaders(request, reply, total, paging);
    return tasks.map(taskJson);
  });

  scope.get<{ Params: { id: string; eid: string; tid: string } }>('/retentions/:id/executions/:eid/tasks/:tid', async (request, reply) => {
    const { policy } = await policyFor(request, request.params.id, 'read');
    const execution = await executionOf(policy, request.params.eid);
    const tid = idParam(request.params.tid, 'tid');
    const task = await findTask(db, tid);
    if (!task || task.execution_id !== execution.id) throw new ApiError('NOT_FOUND', `retention task ${tid} not found`);
    reply.type('text/plain; charset=utf-8');
    return taskLog(db, task.id);
  });
};
