import type { FastifyInstance } from 'fastify';
import type { Database } from '../platform/db/index.js';
import type { StorageDriver } from '../platform/storage/index.js';
import { pingDatabase } from './repo.js';

export const VERSION = '0.1.0';

export interface SystemRouteDeps {
  database: Database;
  storage: StorageDriver;
}

/** Liveness, readiness and Harbor's health endpoint. */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  registerProbeRoutes(app, deps);
  registerHealthRoute(app, deps);
}

/** /livez and /readyz, which every role serves. */
export function registerProbeRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const parts = await components(deps);
    const healthy = parts.every((c) => c.status === 'healthy');
    reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unavailable', components: parts });
  });
}

/** Harbor's /api/v2.0/health, served with the API. */
export function registerHealthRoute(app: FastifyInstance, deps: SystemRouteDeps): void {
  app.get('/api/v2.0/health', async () => {
    const parts = await components(deps);
    return { status: parts.every((c) => c.status === 'healthy') ? 'healthy' : 'unhealthy', components: parts };
  });
}

async function components(deps: SystemRouteDeps): Promise<Array<{ name: string; status: string; error?: string }>> {
  const database = await pingDatabase(deps.database.db)
    .then(() => ({ name: 'database', status: 'healthy' }))
    .catch(() => ({ name: 'database', status: 'unhealthy', error: 'database unreachable' }));
  const storage = await deps.storage
    .stat('health/probe')
    .then(() => ({ name: 'storage', status: 'healthy' }))
    .catch(() => ({ name: 'storage', status: 'unhealthy', error: 'storage unreachable' }));
  return [database, storage];
}
