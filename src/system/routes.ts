import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../platform/db/index.js';
import { installRouteCatalog } from '../openapi/index.js';
import type { StorageDriver } from '../platform/storage/index.js';

export const VERSION = '0.1.0';

export interface SystemRouteDeps {
  database: Database;
  storage: StorageDriver;
}

/**
 * Liveness, readiness and Harbor's health endpoint. Registered first, so it also installs the
 * route catalog that Berth's OpenAPI document is generated from.
 */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  registerProbeRoutes(app, deps);
  registerHealthRoute(app, deps);
}

/** /livez and /readyz, which every role serves. Installs the route catalog, so it comes first. */
export function registerProbeRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  installRouteCatalog(app);
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
  const database = await sql`select 1`
    .execute(deps.database.db)
    .then(() => ({ name: 'database', status: 'healthy' }))
    .catch(() => ({ name: 'database', status: 'unhealthy', error: 'database unreachable' }));
  const storage = await deps.storage
    .stat('health/probe')
    .then(() => ({ name: 'storage', status: 'healthy' }))
    .catch(() => ({ name: 'storage', status: 'unhealthy', error: 'storage unreachable' }));
  return [database, storage];
}
