import { z } from 'zod';
import { parsePaging, requireSystem, setPagingHeaders, type ApiFeature } from '../api/index.js';
import { parseBody } from '../platform/http/index.js';
import { ApiError } from '../platform/errors/index.js';
import { JobMonitorService } from './service.js';
import type { JobQueueJson, WorkerJson, WorkerPoolJson } from './shapes.js';

const actionSchema = z.object({ action: z.enum(['stop', 'pause', 'resume']) }).strict();

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

function numericId(raw: string, name: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new ApiError('BAD_REQUEST', `${name} must be a positive integer`);
  return Number(raw);
}

/**
 * Harbor's job service monitoring (`/jobservice/…`) and `/schedules`, over the database
 * queue: pools are Berth instances, workers their running tasks, queues the pending tasks
 * of each kind.
 */
export const jobsApi: ApiFeature = (scope, deps) => {
  const jobs = new JobMonitorService(deps);

  scope.get('/jobservice/pools', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const pools = await jobs.pools();
    return pools.map((p): WorkerPoolJson => ({
      pid: p.pid,
      worker_pool_id: p.id,
      start_at: iso(p.start_at),
      heartbeat_at: iso(p.heartbeat_at),
      concurrency: p.concurrency,
      host: p.host,
    }));
  });

  scope.get<{ Params: { pool_id: string } }>('/jobservice/pools/:pool_id/workers', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const workers = await jobs.workers(request.params.pool_id);
    return workers.map(({ poolId, task }): WorkerJson => ({
      id: `${poolId}/${task.id}`,
      pool_id: poolId,
      job_name: task.kind,
      job_id: String(task.id),
      start_at: iso(task.start_time),
      check_in: '',
      checkin_at: iso(task.update_time),
    }));
  });

  scope.put<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'stop');
    await jobs.stop(numericId(request.params.job_id, 'job_id'), request.params.job_id);
    return reply.code(200).send();
  });

  scope.get<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id/log', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'read');
    const log = await jobs.log(numericId(request.params.job_id, 'job_id'), request.params.job_id);
    return reply.type('text/plain; charset=utf-8').send(log);
  });

  scope.get('/jobservice/queues', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const now = deps.clock.now();
    const { rows, paused } = await jobs.queues();
    const kinds = new Set([...rows.map((r) => r.kind), ...paused]);
    return [...kinds].sort().map((kind): JobQueueJson => {
      const row = rows.find((r) => r.kind === kind);
      return { job_type: kind, count: row?.count ?? 0, latency: row?.oldest ? Math.max(0, Math.floor((now - row.oldest) / 1000)) : 0, paused: paused.has(kind) };
    });
  });

  scope.put<{ Params: { job_type: string } }>('/jobservice/queues/:job_type', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'stop');
    const { action } = parseBody(actionSchema, request.body);
    await jobs.act(request.params.job_type, action);
    return reply.code(200).send();
  });

  scope.get('/schedules', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const { total, schedules } = await jobs.schedules(paging.offset, paging.pageSize);
    setPagingHeaders(request, reply, total, paging);
    return schedules.map((s) => ({ id: s.id, vendor_type: s.vendor_type, vendor_id: s.vendor_id, cron: s.cron, update_time: iso(s.update_time) }));
  });

  scope.get<{ Params: { job_type: string } }>('/schedules/:job_type/paused', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    return { paused: await jobs.paused(request.params.job_type) };
  });
};
