import type { FastifyRequest } from 'fastify';
import { parseBody } from '../platform/http/index.js';
import { parsePaging, requireProject, setPagingHeaders, type ApiCaller, type ApiDeps, type ApiFeature } from '../api/index.js';
import { recordAudit, type AuditOperation } from '../audit/index.js';
import { identityName } from '../auth/index.js';
import type { Executor, Project } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import { findExecution, findTask, listExecutions, taskLog, tasksOf } from '../platform/jobs/index.js';
import { WEBHOOK_VENDOR } from './jobs.js';
import { deletePolicy, findPolicy, insertPolicy, lastTriggered, listPolicies, policyNamed, taskCounts, updatePolicy } from './repo.js';
import {
  executionJson,
  NOTIFY_TYPES,
  PAYLOAD_FORMATS,
  policyJson,
  taskJson,
  WEBHOOK_EVENT_TYPES,
  webhookPolicyBody,
  type WebhookPolicy,
} from './schema.js';

const RESOURCE = 'notification-policy';

type PolicyParams = { Params: { project: string; policy: string } };
type ExecutionParams = { Params: { project: string; policy: string; execution: string } };
type TaskParams = { Params: { project: string; policy: string; execution: string; task: string } };

function positiveId(text: string, name: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', `${name} must be a positive integer`);
  return id;
}

function audit(trx: Executor, operation: AuditOperation, project: Project, name: string, caller: ApiCaller, at: number): Promise<void> {
  return recordAudit(trx, {
    projectId: project.id,
    operation,
    resourceType: 'webhook-policy',
    resource: `${project.name}:${name}`,
    username: identityName(caller.identity),
    clientIp: caller.clientIp,
    at,
  });
}

/** /projects/{project_name_or_id}/webhook/…: Harbor's webhook policies and their delivery history. */
export const webhooksApi: ApiFeature = (scope, deps) => {
  const { db } = deps.database;

  async function policyOf(request: FastifyRequest<PolicyParams>, action: string): Promise<{ project: Project; policy: WebhookPolicy; caller: ApiCaller }> {
    const { project, caller } = await requireProject(request, deps, request.params.project, RESOURCE, action);
    const id = positiveId(request.params.policy, 'webhook_policy_id');
    const policy = await findPolicy(db, project.id, id);
    if (!policy) throw new ApiError('NOT_FOUND', `webhook policy ${id} not found`);
    return { project, policy, caller };
  }

  scope.get<{ Params: { project: string } }>('/projects/:project/webhook/policies', async (request, reply) => {
    const { project } = await requireProject(request, deps, request.params.project, RESOURCE, 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const page = await listPolicies(db, project.id, paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, page.total, paging);
    return page.policies.map(policyJson);
  });

  scope.post<{ Params: { project: string } }>('/projects/:project/webhook/policies', async (request, reply) => {
    const { project, caller } = await requireProject(request, deps, request.params.project, RESOURCE, 'create');
    const body = parseBody(webhookPolicyBody, request.body);
    const now = deps.clock.now();
    const id = await db.transaction().execute(async (trx) => {
      if ((await policyNamed(trx, project.id, body.name)) !== undefined) throw new ApiError('CONFLICT', `a webhook policy named ${body.name} already exists`);
      const created = await insertPolicy(trx, project.id, body, identityName(caller.identity), now);
      await audit(trx, 'create', project, body.name, caller, now);
      return created;
    });
    reply.code(201).header('location', `/api/v2.0/projects/${project.name}/webhook/policies/${id}`).send();
  });

  scope.get<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { policy } = await policyOf(request, 'read');
    return policyJson(policy);
  });

  scope.put<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { project, policy, caller } = await policyOf(request, 'update');
    const body = parseBody(webhookPolicyBody, request.body);
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      const sameName = await policyNamed(trx, project.id, body.name);
      if (sameName !== undefined && sameName !== policy.id) throw new ApiError('CONFLICT', `a webhook policy named ${body.name} already exists`);
      await updatePolicy(trx, policy.id, body, now);
      await audit(trx, 'update', project, body.name, caller, now);
    });
    return {};
  });

  scope.delete<PolicyParams>('/projects/:project/webhook/policies/:policy', async (request) => {
    const { project, policy, caller } = await policyOf(request, 'delete');
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      await deletePolicy(trx, policy.id);
      await audit(trx, 'delete', project, policy.name, caller, now);
    });
    return {};
  });

  scope.get<PolicyParams>('/projects/:project/webhook/policies/:policy/executions', async (request, reply) => {
    const { policy } = await policyOf(request, 'read');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const page = await listExecutions(db, WEBHOOK_VENDOR, policy.id, paging.offset, paging.pageSize);
    const counts = await taskCounts(db, page.executions.map((e) => e.id));
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
    const tasks = await tasksOf(db, executionId);
    setPagingHeaders(request, reply, tasks.length, paging);
    return tasks.slice(paging.offset, paging.offset + paging.pageSize).map(taskJson);
  });

  scope.get<TaskParams>('/projects/:project/webhook/policies/:policy/executions/:execution/tasks/:task/log', async (request, reply) => {
    const executionId = await executionOf(request);
    const id = positiveId(request.params.task, 'task_id');
    const task = await findTask(db, id);
    if (!task || task.execution_id !== executionId) throw new ApiError('NOT_FOUND', `task ${id} not found`);
    reply.header('content-type', 'text/plain; charset=utf-8');
    return taskLog(db, id);
  });

  scope.get<{ Params: { project: string } }>('/projects/:project/webhook/events', async (request) => {
    await requireProject(request, deps, request.params.project, RESOURCE, 'read');
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
  const { project } = await requireProject(request, deps, request.params.project, RESOURCE, 'list');
  const { policies } = await listPolicies(db, project.id, 0, 1000);
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
