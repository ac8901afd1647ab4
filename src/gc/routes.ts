import { parsePaging, parseQueryConditions, requireSystem, setPagingHeaders, type ApiFeature } from '../api/index.js';
import { parseBody, queryParam, type QueryFields } from '../platform/http/index.js';
import { ApiError } from '../platform/errors/index.js';
import { EXECUTION_QUERY_FIELDS, SCHEDULE_PRESETS } from '../platform/jobs/index.js';
import { gcHistoryJson, gcScheduleJson, gcScheduleSchema } from './schema.js';
import { GcService } from './service.js';

function gcId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new ApiError('BAD_REQUEST', 'gc_id must be a positive integer');
  return Number(raw);
}

/** `q` keys of the GC history: an execution's, and the times under the names its JSON shows. */
const GC_QUERY_FIELDS: QueryFields = {
  ...EXECUTION_QUERY_FIELDS,
  creation_time: { column: 'start_time', kind: 'time' },
};

/** Harbor's `/system/gc` API: online garbage collection runs, their logs and the schedule. */
export const gcApi: ApiFeature = (scope, deps) => {
  const gc = new GcService(deps);

  scope.get('/system/gc', async (request, reply) => {
    requireSystem(request, deps.access, 'garbage-collection', 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const conditions = parseQueryConditions(queryParam(request.query, 'q'), GC_QUERY_FIELDS);
    const { total, executions } = await gc.history(paging.offset, paging.pageSize, conditions);
    setPagingHeaders(request, reply, total, paging);
    return executions.map(gcHistoryJson);
  });

  // Registered before /system/gc/:gc_id so that "schedule" is never read as an id.
  scope.get('/system/gc/schedule', async (request) => {
    requireSystem(request, deps.access, 'garbage-collection', 'read');
    return gcScheduleJson(await gc.schedule(), SCHEDULE_PRESETS);
  });

  scope.post('/system/gc/schedule', async (request, reply) => {
    requireSystem(request, deps.access, 'garbage-collection', 'create');
    const started = await gc.apply(parseBody(gcScheduleSchema, request.body), 'create');
    if (started !== undefined) reply.header('location', `/api/v2.0/system/gc/${started}`);
    return reply.code(201).send();
  });

  scope.put('/system/gc/schedule', async (request, reply) => {
    requireSystem(request, deps.access, 'garbage-collection', 'update');
    const started = await gc.apply(parseBody(gcScheduleSchema, request.body), 'update');
    if (started !== undefined) reply.header('location', `/api/v2.0/system/gc/${started}`);
    return reply.code(200).send();
  });

  scope.get<{ Params: { gc_id: string } }>('/system/gc/:gc_id', async (request) => {
    requireSystem(request, deps.access, 'garbage-collection', 'read');
    return gcHistoryJson(await gc.find(gcId(request.params.gc_id)));
  });

  scope.put<{ Params: { gc_id: string } }>('/system/gc/:gc_id', async (request, reply) => {
    // Harbor lists `stop` only for robots; administrators may always stop a run.
    requireSystem(request, deps.access, 'garbage-collection', 'stop');
    await gc.stop(gcId(request.params.gc_id));
    return reply.code(200).send();
  });

  scope.get<{ Params: { gc_id: string } }>('/system/gc/:gc_id/log', async (request, reply) => {
    requireSystem(request, deps.access, 'garbage-collection', 'read');
    const log = await gc.log(gcId(request.params.gc_id));
    return reply.type('text/plain; charset=utf-8').send(log);
  });
};
