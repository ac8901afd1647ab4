import type { FastifyInstance } from 'fastify';
import { installApiAuthentication, type ApiDeps } from './context.js';

export * from './context.js';
export { parsePaging, setPagingHeaders, type Paging } from '../platform/http/index.js';
export { repositoryParam } from '../platform/http/index.js';
export { parseQuery, type Query, type QueryTerm } from '../platform/http/index.js';

/** A feature's management API routes, registered inside the authenticated /api/v2.0 scope. */
export type ApiFeature = (scope: FastifyInstance, deps: ApiDeps) => void | Promise<void>;

export async function registerApi<Deps extends ApiDeps>(
  app: FastifyInstance,
  deps: Deps,
  features: ReadonlyArray<(scope: FastifyInstance, deps: Deps) => void | Promise<void>>,
): Promise<void> {
  await app.register(
    async (scope) => {
      installApiAuthentication(scope, deps);
      for (const feature of features) await feature(scope, deps);
    },
    { prefix: '/api/v2.0' },
  );
}
