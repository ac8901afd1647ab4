import type { FastifyInstance } from 'fastify';
import type { Database } from '../platform/db/index.js';
import type { FreeSpaceGuard, SpacePlace, SpaceShortage, StorageDriver } from '../platform/storage/index.js';
import { pingDatabase } from './repo.js';

export const VERSION = '0.1.0';

export interface SystemRouteDeps {
  database: Database;
  storage: StorageDriver;
  space: FreeSpaceGuard;
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

interface Component {
  name: SpacePlace;
  status: 'healthy' | 'unhealthy';
  error?: string;
}

/**
 * The database and blob storage, each unhealthy when unreachable or when its disk is below the
 * free-space minimum: a registry that refuses pushes is not ready for the traffic a balancer sends.
 */
async function components(deps: SystemRouteDeps): Promise<Component[]> {
  const shortages = await deps.space.shortages().catch((): SpaceShortage[] => []);
  const judge = (name: SpacePlace, reachable: Promise<unknown>): Promise<Component> =>
    reachable.then(
      (): Component => {
        const short = shortages.find((s) => s.place === name);
        return short ? { name, status: 'unhealthy', error: short.reason } : { name, status: 'healthy' };
      },
      (): Component => ({ name, status: 'unhealthy', error: `${name} unreachable` }),
    );
  return Promise.all([judge('database', pingDatabase(deps.database.db)), judge('storage', deps.storage.stat('health/probe'))]);
}
