import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseBody, queryParam, type QueryFields } from '../platform/http/index.js';
import { parsePaging, parseQueryConditions, requireSystem, setPagingHeaders, type ApiFeature } from '../api/index.js';
import type { Execution } from '../platform/db/index.js';
import { ApiError } from '../platform/errors/index.js';
import {
  CronError,
  EXECUTION_QUERY_FIELDS,
  executionLog,
  findExecution,
  findSchedule,
  listExecutions,
  SCHEDULE_PRESETS,
  stopExecution,
} from '../platform/jobs/index.js';
import { enqueuePurge, PURGE_AUDIT_VENDOR, purgeParameters, removePurgeSchedule, setPurgeSchedule } from './purge.js';

const RESOURCE = 'purge-audit';

/** `q` keys of the purge history: an execution's, and the times under the names its JSON shows. */
const PURGE_QUERY_FIELDS: QueryFields = {
  ...EXECUTION_QUERY_FIELDS,
  creation_time: { column: 'start_time', kind: 'time' },
};

const scheduleBody = z.object({
  schedule: z.object({
    type: z.enum(['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule']),
    cron: z.string().max(128).optional(),
  }),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

const iso = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());

/** Harbor's ExecHistory JSON for one purge run. */
function historyJson(execution: Execution): Record<string, unknown> {
  return {
    id: execution.id,
    job_name: 'PURGE_AUDIT',
    job_kind: execution.trigger === 'SCHEDULE' ? 'SCHEDULE' : 'MANUAL',
    job_parameters: execution.extra_attrs,
    job_status: execution.status,
    deleted: false,
    creation_time: iso(execution.start_time),
    update_time: iso(execution.update_time),
  };
}

function purgeId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', 'purge_id must be a positive integer');
  return id;
}

/** /system/purgeaudit: Harbor's audit log purge, run now or on a schedule, as a job. */
export const purgeAuditApi: ApiFeature = (scope, deps) => {
  const { database, clock } = deps;

  async function purgeExecution(idText: string): Promise<Execution> {
    const id = purgeId(idText);
    const execution = await findExecution(database.db, id);
    if (!execution || execution.vendor_type !== PURGE_AUDIT_VENDOR) throw new ApiError('NOT_FOUND', `purge job ${id} not found`);
    return execution;
  }

  scope.get('/system/purgeaudit', async (request, reply) => {
    requireSystem(request, deps.access, RESOURCE, 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), PURGE_QUERY_FIELDS);
    const page = await listExecutions(database.db, PURGE_AUDIT_VENDOR, undefined, paging.offset, paging.pageSize, conditions);
    setPagingHeaders(request, reply, page.total, paging);
    return page.executions.map(historyJson);
  });

  scope.get('/system/purgeaudit/schedule', async (request) => {
    requireSystem(request, deps.access, RESOURCE, 'read');
    const schedule = await findSchedule(database.db, PURGE_AUDIT_VENDOR);
    if (!schedule) return {};
    const stored = JSON.parse(schedule.params) as { type?: string; parameters?: unknown };
    return {
      id: schedule.id,
      job_name: 'PURGE_AUDIT',
      job_kind: 'SCHEDULE',
      job_parameters: JSON.stringify(stored.parameters ?? {}),
      schedule: { type: stored.type ?? 'Custom', cron: schedule.cron, next_scheduled_time: iso(schedule.next_run_at) },
      job_status: '',
      deleted: false,
      creation_time: iso(schedule.created_at),
      update_time: iso(schedule.update_time),
    };
  });

  const changeSchedule = (created: boolean) =>
    async function (request: FastifyRequest, reply: FastifyReply) {
      requireSystem(request, deps.access, RESOURCE, created ? 'create' : 'update');
      const body = parseBody(scheduleBody, request.body);
      const now = clock.now();
      const { type } = body.schedule;
      if (type === 'None') {
        await removePurgeSchedule(database);
        return reply.code(created ? 201 : 200).send();
      }
      const parameters = parseBody(purgeParameters, body.parameters ?? {});
      if (type === 'Manual') {
        const id = await enqueuePurge(database, parameters, 'MANUAL', now);
        deps.jobs.wake();
        return reply
          .code(created ? 201 : 200)
          .header('location', `/api/v2.0/system/purgeaudit/${id}`)
          .send();
      }
      const cron = SCHEDULE_PRESETS[type] ?? body.schedule.cron;
      if (!cron) throw new ApiError('BAD_REQUEST', `a ${type} schedule needs a cron`);
      try {
        await setPurgeSchedule(database, cron, { type, parameters }, now);
      } catch (err) {
        if (err instanceof CronError) throw new ApiError('BAD_REQUEST', err.message);
        throw err;
      }
      return reply.code(created ? 201 : 200).send();
    };
  scope.post('/system/purgeaudit/schedule', changeSchedule(true));
  scope.put('/system/purgeaudit/schedule', changeSchedule(false));

  scope.get<{ Params: { id: string } }>('/system/purgeaudit/:id', async (request) => {
    requireSystem(request, deps.access, RESOURCE, 'read');
    return historyJson(await purgeExecution(request.params.id));
  });

  scope.put<{ Params: { id: string } }>('/system/purgeaudit/:id', async (request) => {
    requireSystem(request, deps.access, RESOURCE, 'stop');
    const execution = await purgeExecution(request.params.id);
    await stopExecution(database, execution.id, clock.now());
    return {};
  });

  scope.get<{ Params: { id: string } }>('/system/purgeaudit/:id/log', async (request, reply) => {
    requireSystem(request, deps.access, RESOURCE, 'read');
    const execution = await purgeExecution(request.params.id);
    reply.header('content-type', 'text/plain; charset=utf-8');
    return executionLog(database.db, execution.id);
  });
};
