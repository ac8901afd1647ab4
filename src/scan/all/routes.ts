import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireSystem, type ApiDeps } from '../../api/index.js';
import { identityName } from '../../auth/index.js';
import type { Schedule } from '../../platform/db/index.js';
import { parseBody } from '../../platform/http/index.js';
import { SCHEDULE_PRESETS } from '../../platform/jobs/index.js';
import { ScanAllService } from './service.js';

const SCHEDULE_TYPES = ['Hourly', 'Daily', 'Weekly', 'Custom', 'Manual', 'None', 'Schedule'] as const;

/** Harbor's `Schedule` body of POST/PUT /system/scanAll/schedule. */
const scheduleSchema = z
  .object({
    schedule: z.object({ type: z.enum(SCHEDULE_TYPES), cron: z.string().max(128).optional() }).loose(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

const iso = (ms: number | null): string | undefined => (ms === null ? undefined : new Date(ms).toISOString());

/** Harbor's `Schedule` answer; type None with an empty cron when no schedule is set. */
function scheduleJson(schedule: Schedule | undefined) {
  if (!schedule) return { schedule: { type: 'None', cron: '' } };
  const preset = Object.entries(SCHEDULE_PRESETS).find(([, cron]) => cron === schedule.cron)?.[0];
  return {
    id: schedule.id,
    schedule: { type: preset ?? 'Custom', cron: schedule.cron, next_scheduled_time: iso(schedule.next_run_at) },
    creation_time: iso(schedule.created_at),
    update_time: iso(schedule.update_time),
  };
}

/** Harbor's scan-all API: the schedule, a manual run, stop, and the latest run's metrics. System scope. */
export function scanAllRoutes(scope: FastifyInstance, deps: ApiDeps): void {
  const service = new ScanAllService(deps);

  scope.get('/system/scanAll/schedule', async (request) => {
    requireSystem(request, deps.access, 'scan-all', 'read');
    return scheduleJson(await service.schedule());
  });

  scope.post('/system/scanAll/schedule', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'scan-all', 'create');
    const started = await service.apply(parseBody(scheduleSchema, request.body), 'create', identityName(caller.identity));
    if (started !== undefined) reply.header('location', `/api/v2.0/scans/all/metrics`);
    return reply.code(201).send();
  });

  scope.put('/system/scanAll/schedule', async (request, reply) => {
    const caller = requireSystem(request, deps.access, 'scan-all', 'update');
    await service.apply(parseBody(scheduleSchema, request.body), 'update', identityName(caller.identity));
    return reply.code(200).send();
  });

  scope.post('/system/scanAll/stop', async (request, reply) => {
    requireSystem(request, deps.access, 'scan-all', 'stop');
    await service.stop();
    return reply.code(202).send();
  });

  scope.get('/scans/all/metrics', async (request) => {
    requireSystem(request, deps.access, 'scan-all', 'read');
    return service.stats();
  });

  // Deprecated in Harbor, still answered: the latest run a schedule started.
  scope.get('/scans/schedule/metrics', async (request) => {
    requireSystem(request, deps.access, 'scan-all', 'read');
    return service.stats('SCHEDULE');
  });
}
