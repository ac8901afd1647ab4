import { z } from 'zod';
import { parsePaging, requireSystem, setPagingHeaders, type ApiFeature } from '../api/index.js';
import { parseBody } from '../platform/http/index.js';
import { ApiError } from '../platform/errors/index.js';
import { findTask, pausedKinds, queues, refreshExecution, runningTasksOf, setPausedKinds, stopTask, taskLog } from '../platform/jobs/index.js';

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
  const db = deps.database.db;

  scope.get('/jobservice/pools', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const pools = await db.selectFrom('worker_pools').selectAll().orderBy('start_at').execute();
    return pools.map((p) => ({ pid: p.pid, worker_pool_id: p.id, start_at: iso(p.start_at), heartbeat_at: iso(p.heartbeat_at), concurrency: p.concurrency, host: p.host }));
  });

  scope.get<{ Params: { pool_id: string } }>('/jobservice/pools/:pool_id/workers', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const poolIds = request.params.pool_id === 'all' ? (await db.selectFrom('worker_pools').select('id').execute()).map((p) => p.id) : [request.params.pool_id];
    const pool = request.params.pool_id === 'all' ? undefined : await db.selectFrom('worker_pools').select('id').where('id', '=', request.params.pool_id).executeTakeFirst();
    if (request.params.pool_id !== 'all' && !pool) throw new ApiError('NOT_FOUND', `worker pool ${request.params.pool_id} not found`);
    const workers = [];
    for (const poolId of poolIds) {
      for (const task of await runningTasksOf(db, poolId)) {
        workers.push({ id: `${poolId}/${task.id}`, pool_id: poolId, job_name: task.kind, job_id: String(task.id), start_at: iso(task.start_time), check_in: '', checkin_at: iso(task.update_time) });
      }
    }
    return workers;
  });

  scope.put<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'stop');
    const task = await findTask(db, numericId(request.params.job_id, 'job_id'));
    if (!task) throw new ApiError('NOT_FOUND', `job ${request.params.job_id} not found`);
    await stopTask(deps.database, task, deps.clock.now());
    return reply.code(200).send();
  });

  scope.get<{ Params: { job_id: string } }>('/jobservice/jobs/:job_id/log', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'read');
    const task = await findTask(db, numericId(request.params.job_id, 'job_id'));
    if (!task) throw new ApiError('NOT_FOUND', `job ${request.params.job_id} not found`);
    return reply.type('text/plain; charset=utf-8').send(await taskLog(db, task.id));
  });

  scope.get('/jobservice/queues', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const now = deps.clock.now();
    const paused = await pausedKinds(db);
    const rows = await queues(db);
    const kinds = new Set([...rows.map((r) => r.kind), ...paused]);
    return [...kinds].sort().map((kind) => {
      const row = rows.find((r) => r.kind === kind);
      return { job_type: kind, count: row?.count ?? 0, latency: row?.oldest ? Math.max(0, Math.floor((now - row.oldest) / 1000)) : 0, paused: paused.has(kind) };
    });
  });

  scope.put<{ Params: { job_type: string } }>('/jobservice/queues/:job_type', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'stop');
    const { action } = parseBody(actionSchema, request.body);
    const kind = request.params.job_type;
    const now = deps.clock.now();
    await db.transaction().execute(async (trx) => {
      if (action === 'stop') {
        let pending = trx.selectFrom('tasks').select(['id', 'execution_id']).where('status', '=', 'Pending');
        if (kind !== 'all') pending = pending.where('kind', '=', kind);
        const stopped = await pending.execute();
        for (const task of stopped) {
          await trx.updateTable('tasks').set({ status: 'Stopped', status_message: 'stopped from the queue', end_time: now, update_time: now }).where('id', '=', task.id).execute();
        }
        for (const executionId of new Set(stopped.map((t) => t.execution_id))) await refreshExecution(trx, executionId, now);
        return;
      }
      const paused = await pausedKinds(trx);
      const kinds = kind === 'all' ? (await queues(trx)).map((q) => q.kind) : [kind];
      for (const k of kinds) {
        if (action === 'pause') paused.add(k);
        else paused.delete(k);
      }
      if (kind === 'all' && action === 'resume') paused.clear();
      await setPausedKinds(trx, paused);
    });
    deps.jobs.wake();
    return reply.code(200).send();
  });

  scope.get('/schedules', async (request, reply) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const paging = parsePaging(request.query as Record<string, unknown>);
    const [count, rows] = await Promise.all([
      db.selectFrom('schedules').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('schedules').selectAll().orderBy('id').offset(paging.offset).limit(paging.pageSize).execute(),
    ]);
    setPagingHeaders(request, reply, Number(count.n), paging);
    return rows.map((s) => ({ id: s.id, vendor_type: s.vendor_type, vendor_id: s.vendor_id, cron: s.cron, update_time: iso(s.update_time) }));
  });

  scope.get<{ Params: { job_type: string } }>('/schedules/:job_type/paused', async (request) => {
    requireSystem(request, deps.access, 'jobservice-monitor', 'list');
    const paused = await pausedKinds(db);
    return { paused: request.params.job_type === 'all' ? paused.size > 0 : paused.has(request.params.job_type) };
  });
};
