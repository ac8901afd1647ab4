import type { FastifyRequest } from 'fastify';
import { parseBody, queryParam, type QueryFields } from '../platform/http/index.js';
import {
  parsePaging,
  parseQueryConditions,
  requireProject,
  projectByNameOrId,
  setPagingHeaders,
  type ApiCaller,
  type ApiDeps,
  type ApiFeature,
} from '../api/index.js';
import { identityName } from '../auth/index.js';
import type { Project } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { EXECUTION_QUERY_FIELDS, findExecution, findTask, listExecutions, listTasks, TASK_QUERY_FIELDS, taskLog } from '../platform/jobs/index.js';
import { WEBHOOK_VENDOR } from './jobs.js';
import { findPolicy, lastTriggered, listPolicies, taskCounts } from './repo.js';
import { executionJson, NOTIFY_TYPES, PAYLOAD_FORMATS, policyJson, taskJson, WEBHOOK_EVENT_TYPES, webhookPolicyBody, type WebhookPolicy } from './schema.js';
import type { SupportedWebhookEventTypesJson } from './shapes.js';
import { WebhookPolicyService, type Actor } from './service.js';

const RESOURCE = 'notification-policy';

/** `q` keys of a project's webhook policy list (Harbor's policy columns). */
const POLICY_QUERY_FIELDS: QueryFields = {
  id: { column: 'id', kind: 'integer' },
  name: { column: 'name', kind: 'text' },
  description: { column: 'description', kind: 'text' },
  creator: { column: 'creator', kind: 'text' },
  enabled: { column: 'enabled', kind: 'boolean' },
  creation_time: { column: 'created_at', kind: 'time' },
  update_time: { column: 'updated_at', kind: 'time' },
};

type PolicyParams = { Params: { project: string; policy: string } };
type ExecutionParams = { Params: { project: string; policy: string; execution: string } };
type TaskParams = { Params: { project: string; policy: string; execution: string; task: string } };

function positiveId(text: string, name: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', `${name} must be a positive integer`);
  return id;
}

function actor(caller: ApiCaller): Actor {
  return { name: identityName(caller.identity), ip: caller.clientIp };
}

/** /projects/{project_name_or_id}/webhook/…: Harbor's webhook policies and their delivery history. */
export const webhooksApi: ApiFeature = (scope, deps) => {
  const { db } = deps.database;
  const policies = new WebhookPolicyService(deps);

  async function policyOf(request: FastifyRequest<PolicyParams>, action: string): Promise<{ project: Project; policy: WebhookPolicy; caller: ApiCaller }> {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), RESOURCE, action);
    const id = positiveId(request.params.policy, 'webhook_policy_id');
    const policy = await findPolicy(db, project.id, id);
    if (!policy) throw new ApiError('NOT_FOUND', `webhook policy ${id} not found`);
    return { project, policy, caller };
  }

  scope.get<{ Params: { project: string } }>('/projects/:project/webhook/policies', async (request, reply) => {
    const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), RESOURCE, 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), POLICY_QUERY_FIELDS);
    const page = await listPolicies(db, project.id, conditions, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, page.total, paging);
    return page.policies.map(policyJson);
  });

  scope.post<{ Params: { project: string } }>('/projects/:project/webhook/policies', async (request, reply) => {
    const { project, caller } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), RESOURCE, 'create');
    const body = parseBody(webhookPolicyBody, request.body);
    const id = await policies.create(project, body, actor(caller));
    reply.code(201).header('location', `/api/v2.0/projects/${project.name}/webhook/policies/${id}`).send();
  });

  scope.get<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { policy } = await policyOf(request, 'read');
    return policyJson(policy);
  });

  scope.put<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { project, policy, caller } = await policyOf(request, 'update');
    const body = parseBody(webhookPolicyBody, request.body);
    await policies.update(project, policy, body, actor(caller));
    return {};
  });

  scope.delete<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { project, policy, caller } = await policyOf(request, 'delete');
    await policies.delete(project, policy, actor(caller));
    return {};
  });

  scope.get<PolicyParams>('/projects/:project/webhook/policies/:policy/executions', async (request, reply) => {
    const { policy } = await policyOf(request, 'read');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), EXECUTION_QUERY_FIELDS);
    const page = await listExecutions(db, WEBHOOK_VENDOR, policy.id, paging.offset, paging.pageSize, conditions);
    const counts = await taskCounts(
      db,
      page.executions.map((e) => e.id),
    );
    setPagingHeaders(request, reply, page.total, paging);
    return page.executions.map((e) => executionJson(e, counts.get(e.id) ?? { total: 0, byStatus: {} }));
  });

  async function executionOf(request: FastifyRequest<ExecutionParams>): Promise<number> {
    const { policy } = await policyOf(request, 'read');
    const id = positiveId(request.params.execution, 'execution_id');
    const execution = await findExecution(db, id);
    if (!execution || execution.vendor_type !== WEBHOOK_VENDOR || execution.vendor_id !== policy.id) throw new ApiError('NOT_FOUND', `execution ${id} not found`);
    return id;
  }

  scope.get<ExecutionParams>('/projects/:project/webhook/policies/:policy/executions/:execution/tasks', async (request, reply) => {
    const executionId = await executionOf(request);
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), TASK_QUERY_FIELDS);
    const { total, tasks } = await listTasks(db, executionId, paging.offset, paging.pageSize, conditions);
    setPagingHeaders(request, reply, total, paging);
    return tasks.map(taskJson);
  });

  scope.get<TaskParams>('/projects/:project/webhook/policies/:policy/executions/:execution/tasks/:task/log', async (request, reply) => {
    const executionId = await executionOf(request);
    const id = positiveId(request.params.task, 'task_id');
    const task = await findTask(db, id);
    if (!task || task.execution_id !== executionId) throw new ApiError('NOT_FOUND', `task ${id} not found`);
    reply.header('content-type', 'text/plain; charset=utf-8');
    return taskLog(db, id);
  });

  scope.get<{ Params: { project: string } }>('/projects/:project/webhook/events', async (request): Promise<SupportedWebhookEventTypesJson> => {
    await requireProject(request, deps, projectByNameOrId(request, request.params.project), RESOURCE, 'read');
    return {
      event_type: [...WEBHOOK_EVENT_TYPES],
      notify_type: [...NOTIFY_TYPES],
      payload_formats: [
        { notify_type: 'http', formats: [...PAYLOAD_FORMATS] },
        { notify_type: 'slack', formats: ['Default'] },
      ],
    };
  });

  scope.get<{ Params: { project: string } }>('/projects/:project/webhook/lasttrigger', async (request) => lastTriggers(request, deps));
};

/** Harbor's deprecated WebhookLastTrigger list: per policy and event type, when it last fired. */
async function lastTriggers(request: FastifyRequest<{ Params: { project: string } }>, deps: ApiDeps): Promise<Array<Record<string, unknown>>> {
  const { db } = deps.database;
  const { project } = await requireProject(request, deps, projectByNameOrId(request, request.params.project), RESOURCE, 'list');
  const { policies } = await listPolicies(db, project.id, [], 0, 1000);
  const out: Array<Record<string, unknown>> = [];
  for (const policy of policies) {
    for (const eventType of policy.eventTypes) {
      const at = await lastTriggered(db, policy.id, eventType);
      out.push({
        policy_name: policy.name,
        event_type: eventType,
        enabled: policy.enabled,
        creation_time: new Date(policy.createdAt).toISOString(),
        ...(at !== undefined ? { last_trigger_time: new Date(at).toISOString() } : {}),
      });
    }
  }
  return out;
}
